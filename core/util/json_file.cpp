#include "util/json_file.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "util/compressed_file.h"
#include "util/error.h"

namespace llmap {

nlohmann::json readJsonFile(const std::string& path) {
    const std::string text = readInputFile(path);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what(), path,
                         "repair or download the file again");
    }
}

namespace {
const nlohmann::json* present(const nlohmann::json& j, const std::string& key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return nullptr;
    return &*it;
}

[[noreturn]] void wrongType(const std::string& key, const char* expected,
                            const std::string& where) {
    throw InputError("\"" + key + "\" is not " + expected, where, "fix the value in the file");
}
}  // namespace

std::optional<int64_t> jsonInt(const nlohmann::json& j, const std::string& key,
                               const std::string& where) {
    const nlohmann::json* v = present(j, key);
    if (!v) return std::nullopt;
    if (v->is_number_integer()) return v->get<int64_t>();
    if (v->is_number_float()) {
        const double d = v->get<double>();
        // Range first: converting a double beyond int64_t is undefined.
        if (std::fabs(d) < 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
            return static_cast<int64_t>(d);
        }
    }
    wrongType(key, "an integer", where);
}

std::optional<double> jsonNumber(const nlohmann::json& j, const std::string& key,
                                 const std::string& where) {
    const nlohmann::json* v = present(j, key);
    if (!v) return std::nullopt;
    if (v->is_number()) return v->get<double>();
    wrongType(key, "a number", where);
}

std::optional<bool> jsonBool(const nlohmann::json& j, const std::string& key,
                             const std::string& where) {
    const nlohmann::json* v = present(j, key);
    if (!v) return std::nullopt;
    if (v->is_boolean()) return v->get<bool>();
    wrongType(key, "true or false", where);
}

std::optional<std::string> jsonString(const nlohmann::json& j, const std::string& key,
                                      const std::string& where) {
    const nlohmann::json* v = present(j, key);
    if (!v) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    wrongType(key, "a string", where);
}

int64_t requireInt(const nlohmann::json& j, std::initializer_list<const char*> keys,
                   const std::string& where) {
    for (const char* k : keys) {
        if (auto v = jsonInt(j, k, where)) return *v;
    }
    throw InputError(std::string("config has no \"") + *keys.begin() + "\"", where,
                     "add it to config.json");
}

}  // namespace llmap
