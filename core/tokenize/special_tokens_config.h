#pragma once
// tokenizer_config.json + special_tokens_map.json: which tokens are BOS/EOS, whether encode()
// adds them, and extra added tokens (transformers' rules).
#include <optional>
#include <string>
#include <vector>

#include "tokenize/added_vocabulary.h"

namespace llmap {

struct SpecialTokensConfig {
    std::optional<std::string> bos, eos, unk, pad;
    std::optional<bool> addBos, addEos;
    std::optional<bool> legacy;
    std::optional<bool> addPrefixSpace;
    std::string tokenizerClass;
    std::vector<AddedToken> addedTokens;  // added_tokens_decoder
    bool found = false;                   // any of the two files exists
};

// Reads the two files from `folder` when they exist; InputError when one is malformed.
SpecialTokensConfig readSpecialTokensConfig(const std::string& folder);

}  // namespace llmap
