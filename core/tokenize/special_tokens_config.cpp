#include "tokenize/special_tokens_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace llmap {

namespace {

std::optional<nlohmann::json> readJsonIfExists(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("malformed JSON: ") + e.what(), p.string(),
                         "repair the file or remove it");
    }
}

std::optional<std::string> tokenText(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v.at("content").is_string()) {
        return v.at("content").get<std::string>();
    }
    return std::nullopt;
}

void takeTokens(const nlohmann::json& j, SpecialTokensConfig& c) {
    auto take = [&](const char* key, std::optional<std::string>& slot) {
        if (j.contains(key)) {
            if (auto t = tokenText(j.at(key))) slot = t;
        }
    };
    take("bos_token", c.bos);
    take("eos_token", c.eos);
    take("unk_token", c.unk);
    take("pad_token", c.pad);
}

}  // namespace

SpecialTokensConfig readSpecialTokensConfig(const std::string& folder) {
    SpecialTokensConfig c;
    const std::filesystem::path dir(folder);
    if (auto map = readJsonIfExists(dir / "special_tokens_map.json")) {
        c.found = true;
        if (map->is_object()) takeTokens(*map, c);
    }
    if (auto cfg = readJsonIfExists(dir / "tokenizer_config.json")) {
        c.found = true;
        if (!cfg->is_object()) {
            throw InputError("tokenizer_config.json is not a JSON object",
                             (dir / "tokenizer_config.json").string(),
                             "repair the file or remove it");
        }
        takeTokens(*cfg, c);
        if (cfg->contains("add_bos_token") && cfg->at("add_bos_token").is_boolean()) {
            c.addBos = cfg->at("add_bos_token").get<bool>();
        }
        if (cfg->contains("add_eos_token") && cfg->at("add_eos_token").is_boolean()) {
            c.addEos = cfg->at("add_eos_token").get<bool>();
        }
        if (cfg->contains("legacy") && cfg->at("legacy").is_boolean())
            c.legacy = cfg->at("legacy").get<bool>();
        if (cfg->contains("add_prefix_space") && cfg->at("add_prefix_space").is_boolean()) {
            c.addPrefixSpace = cfg->at("add_prefix_space").get<bool>();
        }
        if (cfg->contains("tokenizer_class") && cfg->at("tokenizer_class").is_string()) {
            c.tokenizerClass = cfg->at("tokenizer_class").get<std::string>();
        }
        if (cfg->contains("added_tokens_decoder") && cfg->at("added_tokens_decoder").is_object()) {
            for (const auto& [id, t] : cfg->at("added_tokens_decoder").items()) {
                AddedToken a;
                try {
                    a.id = std::stoi(id);
                } catch (const std::exception&) {
                    continue;
                }
                a.content = t.value("content", "");
                a.singleWord = t.value("single_word", false);
                a.lstrip = t.value("lstrip", false);
                a.rstrip = t.value("rstrip", false);
                a.normalized = t.value("normalized", false);
                a.special = t.value("special", false);
                c.addedTokens.push_back(a);
            }
        }
    }
    return c;
}

}  // namespace llmap
