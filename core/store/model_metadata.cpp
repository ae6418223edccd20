#include "store/model_metadata.h"

#include <algorithm>
#include <nlohmann/json.hpp>

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

}  // namespace llmap
