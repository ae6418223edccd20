#pragma once
// Hugging Face normalizers: text -> normalised text, applied before pre-tokenisation.
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace llmap {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void apply(std::string& text) const = 0;
};

// Builds a normalizer from its tokenizer.json object; nullptr for JSON null. Throws InputError
// naming the type and the supported ones when the type is unknown.
std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& spec, const std::string& where);

}  // namespace llmap
