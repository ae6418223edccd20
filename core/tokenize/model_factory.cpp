#include "tokenize/model_factory.h"

#include <nlohmann/json.hpp>

#include "tokenize/bpe_model.h"
#include "tokenize/tokenizer_json_reader.h"
#include "tokenize/unigram_model.h"
#include "tokenize/word_models.h"
#include "util/error.h"

namespace llmap {

namespace {

std::optional<std::string> optString(const nlohmann::json& spec, const char* key) {
    if (spec.contains(key) && spec.at(key).is_string()) return spec.at(key).get<std::string>();
    return std::nullopt;
}

std::vector<std::string> takeVocabObject(ModelData& data, const std::string& type,
                                         const std::string& where) {
    if (!data.hasVocabObject) {
        throw InputError(type + " model needs \"vocab\": {token: id}", where,
                         "fix the tokenizer file");
    }
    return std::move(data.idToToken);
}

std::unique_ptr<TokenModel> makeBpe(const nlohmann::json& spec, ModelData& data,
                                    const std::string& where) {
    if (spec.contains("dropout") && spec.at("dropout").is_number() &&
        spec.at("dropout").get<double>() > 0) {
        throw InputError("BPE dropout is random and cannot give reproducible ids", where,
                         "set \"dropout\": null in the tokenizer file");
    }
    BpeOptions o;
    o.unkToken = optString(spec, "unk_token");
    o.continuingSubwordPrefix = optString(spec, "continuing_subword_prefix").value_or("");
    o.endOfWordSuffix = optString(spec, "end_of_word_suffix").value_or("");
    o.fuseUnk = spec.value("fuse_unk", false);
    o.byteFallback = spec.value("byte_fallback", false);
    o.ignoreMerges = spec.value("ignore_merges", false);
    if (!data.hasMerges)
        throw InputError("BPE model needs \"merges\"", where, "fix the tokenizer file");
    return std::make_unique<BpeModel>(takeVocabObject(data, "BPE", where), std::move(data.merges),
                                      o, where);
}

std::unique_ptr<TokenModel> makeUnigram(const nlohmann::json& spec, ModelData& data,
                                        const std::string& where) {
    if (!data.hasVocabList) {
        throw InputError("Unigram model needs \"vocab\": [[piece, score], ...]", where,
                         "fix the tokenizer file");
    }
    std::optional<int32_t> unk;
    if (spec.contains("unk_id") && spec.at("unk_id").is_number_integer()) {
        const auto id = spec.at("unk_id").get<int64_t>();
        if (id < 0 || static_cast<size_t>(id) >= data.scoredPieces.size()) {
            throw InputError("Unigram unk_id " + std::to_string(id) + " is outside the vocabulary",
                             where, "fix the tokenizer file");
        }
        unk = static_cast<int32_t>(id);
    }
    return std::make_unique<UnigramModel>(std::move(data.scoredPieces), unk,
                                          spec.value("byte_fallback", false));
}

}  // namespace

std::unique_ptr<TokenModel> makeModel(const nlohmann::json& spec, ModelData&& data,
                                      const std::string& where) {
    std::string type = spec.value("type", "");
    if (type.empty() && data.hasMerges) type = "BPE";
    if (type == "BPE") return makeBpe(spec, data, where);
    if (type == "Unigram") return makeUnigram(spec, data, where);
    if (type == "WordLevel") {
        return std::make_unique<WordLevelModel>(takeVocabObject(data, type, where),
                                                optString(spec, "unk_token"), where);
    }
    if (type == "WordPiece") {
        return std::make_unique<WordPieceModel>(
            takeVocabObject(data, type, where), optString(spec, "unk_token"),
            optString(spec, "continuing_subword_prefix").value_or("##"),
            spec.value("max_input_chars_per_word", size_t{100}), where);
    }
    throw InputError("unknown model type \"" + type + "\"", where,
                     "supported: BPE, Unigram, WordLevel, WordPiece");
}

}  // namespace llmap
