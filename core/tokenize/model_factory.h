#pragma once
// Builds the model of a tokenizer.json ("model": BPE, Unigram, WordLevel, WordPiece).
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenize/token_model.h"

namespace llmap {

struct PipelineParts;
struct SpecialTokensConfig;

std::unique_ptr<TokenModel> makeModel(const nlohmann::json& spec, const std::string& where);
void applySpecialTokensConfig(PipelineParts& parts, const SpecialTokensConfig& cfg,
                              bool postProcessorNull);

}  // namespace llmap
