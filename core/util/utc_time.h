#pragma once

#include <string>

namespace llmap {

// The current time as ISO 8601 UTC ("2026-12-06T19:07:54Z"); safe to call from any thread.
std::string utcNow();

}  // namespace llmap
