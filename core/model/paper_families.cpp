#include "model/paper_families.h"

#include <algorithm>
#include <cstdio>

namespace llmap {

namespace {

bool contains(const std::string& s, const char* part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

std::string paperModelType(const std::string& label, const std::string& modelId) {
    if (label == "llama-1" || label == "llama-2" || label == "llama-3") return "llama";
    if (label != "deepseek") return label;
    if (contains(modelId, "Distill-Qwen")) return "qwen2";
    if (contains(modelId, "-V2") || contains(modelId, "ESFT")) return "deepseek_v2";
    if (contains(modelId, "deepseek-moe")) return "deepseek";
    return "llama";
}

const std::vector<PaperFamily>& paperFamilies() {
    static const std::vector<PaperFamily> families = {
        {"llama", 587},
        {"mistral", 232},
        {"gpt_neox", 54},
        {"gptj", 19},
        {"gemma", 18},
        {"opt", 15},
        {"qwen2", 13},
        {"bloom", 12},
        {"falcon", 11},
        {"mixtral", 9},
        {"mpt", 6},
        {"stablelm", 6},
        {"deepseek_v2", 5},
        {"gpt_bigcode", 3},
        {"gpt_neo", 3},
        {"phi", 3},
        {"phi3", 3},
        {"rwkv", 3},
        {"xglm", 3},
        {"camelidae", 2},
        {"codegen", 2},
        {"deepseek", 2},
        {"olmo", 2},
        {"starcoder2", 2},
        {"deci", 1},
        {"recurrent_gemma", 1},
        {"stablelm_alpha", 1},
    };
    return families;
}

PaperCoverage paperCoverage(const std::vector<std::string>& supportedTypes) {
    PaperCoverage c;
    for (const auto& f : paperFamilies()) {
        c.total += f.models;
        if (std::find(supportedTypes.begin(), supportedTypes.end(), f.modelType) !=
            supportedTypes.end())
            c.supported += f.models;
    }
    return c;
}

std::string paperCoverageLine(const PaperCoverage& coverage) {
    char share[32];
    std::snprintf(share, sizeof share, "%.1f", 100.0 * coverage.share());
    return "coverage: " + std::to_string(coverage.supported) + " of " +
           std::to_string(coverage.total) + " models of the paper (" + share +
           " %) have a supported model_type";
}

}  // namespace llmap
