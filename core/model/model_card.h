#pragma once
// The YAML front matter of a Hugging Face model card (README.md): the few fields LLMap shows.
// A small reader for the flat subset cards use: "key: value", "key: [a, b]" and "- item" lists.
#include <string>
#include <vector>

namespace llmap {

struct ModelCard {
    std::vector<std::string> baseModel;
    std::string license;
    std::vector<std::string> language;
    std::vector<std::string> tags;
    std::string pipelineTag;
};

// Parses the front matter of `markdown` (between the leading "---" lines); empty card if none.
ModelCard parseModelCard(const std::string& markdown);

}  // namespace llmap
