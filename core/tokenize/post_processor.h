#pragma once
// What encode(text) adds around the tokens when special tokens are wanted (BOS/EOS, CLS/SEP).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmap {

struct PostProcessor {
    std::vector<int32_t> prefix;
    std::vector<int32_t> suffix;

    void apply(std::vector<int32_t>& ids) const {
        ids.insert(ids.begin(), prefix.begin(), prefix.end());
        ids.insert(ids.end(), suffix.begin(), suffix.end());
    }
};

// From a tokenizer.json "post_processor" (TemplateProcessing, BertProcessing,
// RobertaProcessing, ByteLevel, Sequence; null gives nothing).
PostProcessor makePostProcessor(const nlohmann::json& spec, const std::string& where);

}  // namespace llmap
