#include "tokenize/model_factory.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "tokenize/bpe_model.h"
#include "tokenize/unigram_model.h"
#include "tokenize/word_models.h"
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

// The double Hugging Face's Rust side reads for the number that was written for `d`. Files are
// written with the shortest round-trip decimal; serde_json (without float_roundtrip) reads it back
// as (decimal digits as f64) * or / 10^k, which can differ from `d` by one ulp, and Unigram's
// Viterbi ties then break differently. Reproduce that reading.
double serdeJsonReading(double d) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d);
    if (res.ec != std::errc()) return d;
    const std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
    bool negative = false;
    uint64_t significand = 0;
    int exponent = 0;
    bool overflowed = false, afterPoint = false;
    size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        negative = true;
        ++i;
    }
    for (; i < s.size() && s[i] != 'e'; ++i) {
        if (s[i] == '.') {
            afterPoint = true;
            continue;
        }
        const auto digit = static_cast<uint64_t>(s[i] - '0');
        if (overflowed || significand > (UINT64_MAX - digit) / 10) {
            overflowed = true;  // serde ignores the digits that no longer fit
            if (!afterPoint) ++exponent;
            continue;
        }
        significand = significand * 10 + digit;
        if (afterPoint) --exponent;
    }
    if (i < s.size() && s[i] == 'e') exponent += std::atoi(std::string(s.substr(i + 1)).c_str());
    double f = static_cast<double>(significand);
    static const auto pow10 = [] {
        std::array<double, 309> p{};
        for (int k = 0; k < 309; ++k)
            p[static_cast<size_t>(k)] = std::stod("1e" + std::to_string(k));
        return p;
    }();
    for (;;) {
        const int a = exponent < 0 ? -exponent : exponent;
        if (a < 309) {
            f = exponent >= 0 ? f * pow10[static_cast<size_t>(a)]
                              : f / pow10[static_cast<size_t>(a)];
            break;
        }
        if (f == 0.0 || exponent >= 0) return d;
        f /= 1e308;
        exponent += 308;
    }
    return negative ? -f : f;
}

std::unique_ptr<TokenModel> makeUnigram(const nlohmann::json& spec, const std::string& where) {
    std::vector<std::pair<std::string, double>> pieces;
    const auto& vocab = spec.at("vocab");
    if (!vocab.is_array())
        throw InputError("Unigram vocab must be a list of [piece, score]", where,
                         "fix the tokenizer file");
    pieces.reserve(vocab.size());
    for (const auto& item : vocab) {
        if (!item.is_array() || item.size() != 2 || !item.at(0).is_string() ||
            !item.at(1).is_number()) {
            throw InputError("Unigram vocab entry is not [piece, score]", where,
                             "fix the tokenizer file");
        }
        pieces.emplace_back(item.at(0).get<std::string>(),
                            serdeJsonReading(item.at(1).get<double>()));
    }
    std::optional<int32_t> unk;
    if (spec.contains("unk_id") && spec.at("unk_id").is_number_integer()) {
        const auto id = spec.at("unk_id").get<int64_t>();
        if (id < 0 || static_cast<size_t>(id) >= pieces.size()) {
            throw InputError("Unigram unk_id " + std::to_string(id) + " is outside the vocabulary",
                             where, "fix the tokenizer file");
        }
        unk = static_cast<int32_t>(id);
    }
    return std::make_unique<UnigramModel>(std::move(pieces), unk,
                                          spec.value("byte_fallback", false));
}

std::optional<std::string> optString(const nlohmann::json& spec, const char* key) {
    if (spec.contains(key) && spec.at(key).is_string()) return spec.at(key).get<std::string>();
    return std::nullopt;
}

}  // namespace

std::unique_ptr<TokenModel> makeModel(const nlohmann::json& spec, const std::string& where) {
    std::string type = spec.value("type", "");
    if (type.empty() && spec.contains("merges")) type = "BPE";
    if (type == "BPE") return makeBpe(spec, where);
    if (type == "Unigram") return makeUnigram(spec, where);
    if (type == "WordLevel") {
        return std::make_unique<WordLevelModel>(vocabFromObject(spec.at("vocab"), where),
                                                optString(spec, "unk_token"), where);
    }
    if (type == "WordPiece") {
        return std::make_unique<WordPieceModel>(
            vocabFromObject(spec.at("vocab"), where), optString(spec, "unk_token"),
            optString(spec, "continuing_subword_prefix").value_or("##"),
            spec.value("max_input_chars_per_word", size_t{100}), where);
    }
    throw InputError("unknown model type \"" + type + "\"", where,
                     "supported: BPE, Unigram, WordLevel, WordPiece");
}

}  // namespace llmap
