#pragma once
// Hugging Face decoders: token strings -> text (for showing tokens and decoded text).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmap {

class Decoder {
public:
    virtual ~Decoder() = default;
    // Rewrites the token strings in place; the decoded text is their concatenation.
    virtual void apply(std::vector<std::string>& tokens) const = 0;
};

std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& spec, const std::string& where);
std::unique_ptr<Decoder> makeByteLevelDecoder();
// SentencePiece-style: byte fallback, then "▁" -> " " with the first space stripped.
std::unique_ptr<Decoder> makeSentencePieceDecoder();

}  // namespace llmap
