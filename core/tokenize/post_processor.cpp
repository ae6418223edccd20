#include "tokenize/post_processor.h"

#include <nlohmann/json.hpp>

#include "tokenize/token_id_json.h"
#include "util/error.h"

namespace llmap {

namespace {
void addTemplate(const nlohmann::json& spec, PostProcessor& pp, const std::string& where) {
    const auto& specials = spec.at("special_tokens");
    bool seenSequence = false;
    for (const auto& item : spec.at("single")) {
        if (item.contains("Sequence")) {
            seenSequence = true;
            continue;
        }
        if (!item.contains("SpecialToken")) {
            throw InputError("TemplateProcessing item is neither Sequence nor SpecialToken", where,
                             "fix the post_processor in the tokenizer file");
        }
        const std::string name = item.at("SpecialToken").at("id").get<std::string>();
        if (!specials.contains(name)) {
            throw InputError("TemplateProcessing uses special token \"" + name +
                                 "\" that its special_tokens do not define",
                             where, "fix the post_processor in the tokenizer file");
        }
        auto& target = seenSequence ? pp.suffix : pp.prefix;
        for (const auto& id : specials.at(name).at("ids"))
            target.push_back(tokenIdFromJson(id, where));
    }
}
}  // namespace

PostProcessor makePostProcessor(const nlohmann::json& spec, const std::string& where) {
    PostProcessor pp;
    if (spec.is_null()) return pp;
    const std::string type = spec.value("type", "");
    if (type == "TemplateProcessing") {
        addTemplate(spec, pp, where);
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
        pp.prefix.push_back(tokenIdFromJson(spec.at("cls").at(1), where));
        pp.suffix.push_back(tokenIdFromJson(spec.at("sep").at(1), where));
    } else if (type == "ByteLevel") {
        // offsets only
    } else if (type == "Sequence") {
        for (const auto& p : spec.at("processors")) {
            PostProcessor inner = makePostProcessor(p, where);
            pp.prefix.insert(pp.prefix.begin(), inner.prefix.begin(), inner.prefix.end());
            pp.suffix.insert(pp.suffix.end(), inner.suffix.begin(), inner.suffix.end());
        }
    } else {
        throw InputError("unknown post-processor type \"" + type + "\"", where,
                         "supported: TemplateProcessing, BertProcessing, RobertaProcessing, "
                         "ByteLevel, Sequence");
    }
    return pp;
}

}  // namespace llmap
