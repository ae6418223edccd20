#pragma once
// Reading a JSON file (every JSON file LLMap reads) and typed fields of it, with errors that name
// the file and the key.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace llmap {

// Parses the file (gzip-compressed or not: util/compressed_file.h); InputError naming it when it is
// missing, unreadable or not valid JSON.
nlohmann::json readJsonFile(const std::string& path);

// Typed look-ups of a top-level key: nullopt when absent or null; InputError (naming `where`)
// when present with the wrong type.
std::optional<int64_t> jsonInt(const nlohmann::json& j, const std::string& key,
                               const std::string& where);
std::optional<double> jsonNumber(const nlohmann::json& j, const std::string& key,
                                 const std::string& where);
std::optional<bool> jsonBool(const nlohmann::json& j, const std::string& key,
                             const std::string& where);
std::optional<std::string> jsonString(const nlohmann::json& j, const std::string& key,
                                      const std::string& where);

// The first key present (for configs that name the same thing differently per family).
int64_t requireInt(const nlohmann::json& j, std::initializer_list<const char*> keys,
                   const std::string& where);

}  // namespace llmap
