#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace llmap::cli {

// The fields every provenance record carries: action, time (UTC, ISO 8601), LLMap version, host.
nlohmann::json provenanceRecord(const std::string& action);

}  // namespace llmap::cli
