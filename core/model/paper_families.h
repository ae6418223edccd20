#pragma once
// The model families of the paper's 1,018 models (Table 7 of "Mapping 1,000+ Language Models via
// the Log-Likelihood Vector") as Hugging Face model_types, and how many of them LLMap can run.
#include <string>
#include <vector>

namespace llmap {

// The model_type of one of the paper's models from its Table 7 label and its Hugging Face id.
// "llama-1/-2/-3" are "llama"; "deepseek" is split by architecture: the DeepSeek-V2 models
// (V2-Lite, Coder-V2-Lite, ESFT) are "deepseek_v2", deepseek-moe-16b is "deepseek" (its own
// mixture-of-experts code), the R1 distillations of Qwen are "qwen2", and the rest (LLM, Coder
// 1.3b/6.7b/7b-v1.5, Math, Prover, R1-Distill-Llama) are "llama". Other labels are model_types.
std::string paperModelType(const std::string& table7Label, const std::string& modelId);

struct PaperFamily {
    std::string modelType;
    int models = 0;  // how many of the paper's 1,018 models have this model_type
};

// Every model_type of the paper's list with its count (largest first), compiled in from
// paper-models-1018.csv through paperModelType (tests/model/tst_paper_coverage checks it).
const std::vector<PaperFamily>& paperFamilies();

struct PaperCoverage {
    int supported = 0, total = 0;
    double share() const { return total > 0 ? static_cast<double>(supported) / total : 0.0; }
};

// How many of the paper's models have a model_type in `supportedTypes`.
PaperCoverage paperCoverage(const std::vector<std::string>& supportedTypes);

// "coverage: N of 1018 models of the paper (P %) have a supported model_type".
std::string paperCoverageLine(const PaperCoverage& coverage);

}  // namespace llmap
