#pragma once
// Builds the model of a tokenizer.json ("model": BPE, Unigram, WordLevel, WordPiece) from its small
// settings (`spec`) and its streamed vocabulary and merges (`data`).
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenize/token_model.h"

namespace llmap {

struct ModelData;
struct PipelineParts;
struct SpecialTokensConfig;

std::unique_ptr<TokenModel> makeModel(const nlohmann::json& spec, ModelData&& data,
                                      const std::string& where);

// Adds the configured special tokens to the added vocabulary and sets BOS/EOS; with
// honourAddFlags, encode() adds BOS/EOS as add_bos_token / add_eos_token say (default: no).
void applySpecialTokensConfig(PipelineParts& parts, const SpecialTokensConfig& cfg,
                              bool honourAddFlags);

}  // namespace llmap
