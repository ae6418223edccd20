#include "tokenize/model_factory.h"

#include <nlohmann/json.hpp>

#include "tokenize/bpe_model.h"
#include "util/error.h"

namespace llmap {

namespace {

std::vector<std::string> vocabFromObject(const nlohmann::json& vocab, const std::string& where) {
    std::vector<std::string> idToToken;
    idToToken.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
            it.value().get<int64_t>() > 100000000) {
            throw InputError("vocabulary entry \"" + it.key() + "\" has no valid id", where,
                             "fix the tokenizer file");
        }
        const auto id = static_cast<size_t>(it.value().get<int64_t>());
        if (id >= idToToken.size()) idToToken.resize(id + 1);
        idToToken[id] = it.key();
    }
    return idToToken;
}

std::unique_ptr<TokenModel> makeBpe(const nlohmann::json& spec, const std::string& where) {
    if (spec.contains("dropout") && !spec.at("dropout").is_null() &&
        spec.at("dropout").get<double>() > 0) {
        throw InputError("BPE dropout is random and cannot give reproducible ids", where,
                         "set \"dropout\": null in the tokenizer file");
    }
    BpeOptions o;
    auto str = [&](const char* key) -> std::string {
        return spec.contains(key) && spec.at(key).is_string() ? spec.at(key).get<std::string>()
                                                              : "";
    };
    if (spec.contains("unk_token") && spec.at("unk_token").is_string())
        o.unkToken = spec.at("unk_token").get<std::string>();
    o.continuingSubwordPrefix = str("continuing_subword_prefix");
    o.endOfWordSuffix = str("end_of_word_suffix");
    o.fuseUnk = spec.value("fuse_unk", false);
    o.byteFallback = spec.value("byte_fallback", false);
    o.ignoreMerges = spec.value("ignore_merges", false);
    std::vector<std::pair<std::string, std::string>> merges;
    const auto& m = spec.at("merges");
    merges.reserve(m.size());
    for (const auto& item : m) {
        if (item.is_string()) {
            const std::string& s = item.get_ref<const std::string&>();
            const size_t sp = s.find(' ', 1);
            if (sp == std::string::npos) {
                throw InputError("merge \"" + s + "\" is not \"left right\"", where,
                                 "fix the tokenizer file");
            }
            merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
        } else if (item.is_array() && item.size() == 2) {
            merges.emplace_back(item.at(0).get<std::string>(), item.at(1).get<std::string>());
        } else {
            throw InputError("a merge is neither \"left right\" nor [left, right]", where,
                             "fix the tokenizer file");
        }
    }
    return std::make_unique<BpeModel>(vocabFromObject(spec.at("vocab"), where), std::move(merges),
                                      o, where);
}

}  // namespace

std::unique_ptr<TokenModel> makeModel(const nlohmann::json& spec, const std::string& where) {
    std::string type = spec.value("type", "");
    if (type.empty() && spec.contains("merges")) type = "BPE";
    if (type == "BPE") return makeBpe(spec, where);
    throw InputError("unknown model type \"" + type + "\"", where,
                     "supported: BPE, Unigram, WordLevel, WordPiece");
}

}  // namespace llmap
