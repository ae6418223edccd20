#pragma once
#include <string>

namespace llmap {

// Writes `content` to a temporary file beside `path`, then renames it over `path`: a failed or
// interrupted export never leaves a half-written file or destroys the previous one.
void writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace llmap
