#include "store/model_metadata.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "util/csv.h"
#include "util/error.h"

namespace llmap {

namespace {
nlohmann::json parseObject(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    return j.is_object() ? j : nlohmann::json::object();
}
}  // namespace

std::vector<std::string> metadataFields(const std::vector<ModelRecord>& models) {
    std::vector<std::string> fields;
    for (const ModelRecord& m : models) {
        // nlohmann::json keeps keys sorted; first-seen order is across models.
        const nlohmann::json object = parseObject(m.metadataJson);
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (std::find(fields.begin(), fields.end(), it.key()) == fields.end()) {
                fields.push_back(it.key());
            }
        }
    }
    return fields;
}

std::string metadataValue(const std::string& metadataJson, const std::string& field) {
    nlohmann::json j = parseObject(metadataJson);
    auto it = j.find(field);
    if (it == j.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

std::vector<std::pair<std::string, std::string>> readMetadataCsv(const std::string& path) {
    CsvTable csv = readCsv(path);
    if (csv.rows.empty())
        throw InputError("the file is empty", path, "write a header \"model,field,...\"");
    const auto& header = csv.rows[0];
    if (header.empty() || header[0] != "model") {
        throw InputError("the first column must be named \"model\"", path + ":1",
                         "write a header \"model,field,...\"");
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> seen;
    for (size_t r = 1; r < csv.rows.size(); ++r) {
        const auto& row = csv.rows[r];
        const std::string where = path + ":" + std::to_string(csv.lines[r]);
        if (row.size() != header.size()) {
            throw InputError("row has " + std::to_string(row.size()) + " fields, the header has " +
                                 std::to_string(header.size()),
                             where);
        }
        if (row[0].empty()) throw InputError("the model id is empty", where);
        if (!seen.insert(row[0]).second) {
            throw InputError("the model \"" + row[0] + "\" appears twice", where);
        }
        nlohmann::json object = nlohmann::json::object();
        for (size_t c = 1; c < header.size(); ++c) {
            if (row[c].empty()) continue;
            double number = 0;
            if (parseDouble(row[c], number) && !std::isnan(number)) {
                // Whole numbers within long long's range stay integers (the cast is undefined
                // beyond it).
                const bool inRange = std::fabs(number) < 9.2e18;
                const long long integer = inRange ? static_cast<long long>(number) : 0;
                if (inRange && static_cast<double>(integer) == number &&
                    row[c].find_first_of(".eE") == std::string::npos) {
                    object[header[c]] = integer;
                } else {
                    object[header[c]] = number;
                }
            } else {
                object[header[c]] = row[c];
            }
        }
        out.emplace_back(row[0], object.dump());
    }
    return out;
}

}  // namespace llmap
