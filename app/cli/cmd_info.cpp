#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "model/gguf_model.h"
#include "model/model_info.h"
#include "model/paper_families.h"
#include "store/project.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli info --project P.h5
       llmap-cli info --model DIR|F.gguf [--json]
       llmap-cli info --support

--project  what a project holds: its text set (count, sources, content hash), the scoring
           convention, the models and how many are fully scored, the runs in its provenance.
--model    a Hugging Face model folder's metadata, read without loading weights (architecture,
           sizes, parameters, dtype, tokenizer, config hash, model card), or a GGUF file's
           (with its quantisation type and bits per weight); --json prints it as JSON.
           Exits 2 with a message when the folder is broken.
--support  every model_type of the paper's 1,018 models (with how many models have it) and
           whether the engine runs it, the other model_types it runs, the GGUF architectures
           it reads, and the share of the paper's models it covers.
)";

std::string joined(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s.empty() ? "-" : s;
}

void printSupport() {
    const auto supported = supportedModelTypes();
    const auto isSupported = [&](const std::string& type) {
        return std::find(supported.begin(), supported.end(), type) != supported.end();
    };
    std::printf("%-18s%12s  %s\n", "model_type", "paper models", "supported");
    std::vector<std::string> paperTypes;
    for (const auto& f : paperFamilies()) {
        paperTypes.push_back(f.modelType);
        std::printf("%-18s%12d  %s\n", f.modelType.c_str(), f.models,
                    isSupported(f.modelType) ? "yes" : "no");
    }
    std::fflush(stdout);
    std::vector<std::string> others;
    for (const auto& type : supported) {
        if (std::find(paperTypes.begin(), paperTypes.end(), type) == paperTypes.end())
            others.push_back(type);
    }
    std::cout << "also supported: " << joined(others) << "\n"
              << "GGUF architectures: " << joined(supportedGgufArchitectures()) << "\n"
              << paperCoverageLine(paperCoverage(supported)) << "\n";
}

int printModel(const std::string& folder, bool json) {
    const ModelInfo info = readModelInfo(folder);
    if (json) {
        std::cout << info.toJson() << "\n";
        return 0;
    }
    std::cout << "model         " << info.path << "\n"
              << "model_type    " << info.modelType << "\n"
              << "architectures " << joined(info.architectures) << "\n"
              << "parameters    " << info.parameters << "\n"
              << "hidden_size   " << info.hiddenSize << "\n"
              << "layers        " << info.layers << "\n"
              << "heads         " << info.heads << " (kv " << info.kvHeads << ")\n"
              << "context       " << info.contextLength << "\n"
              << "vocab_size    " << info.vocabSize << "\n"
              << "torch_dtype   " << (info.torchDtype.empty() ? "-" : info.torchDtype) << "\n"
              << "tokenizer     " << info.tokenizerKind << (info.addsBos ? ", adds BOS" : "")
              << "\n"
              << "weights       " << info.weightFiles << " file(s), " << info.weightBytes
              << " bytes\n";
    if (!info.quantisation.empty()) {
        std::cout << "quantisation  " << info.quantisation << ", " << std::fixed
                  << std::setprecision(2) << info.bitsPerWeight << " bits/weight\n"
                  << std::defaultfloat;
    }
    std::cout << "config_hash   " << info.configHash << "\n"
              << "base_model    " << joined(info.baseModel) << "\n"
              << "license       " << (info.license.empty() ? "-" : info.license) << "\n"
              << "language      " << joined(info.language) << "\n"
              << "tags          " << joined(info.tags) << "\n"
              << "pipeline_tag  " << (info.pipelineTag.empty() ? "-" : info.pipelineTag) << "\n";
    return 0;
}
}  // namespace

int runInfo(int argc, char** argv) {
    Arguments args("info", argc, argv, 2, {"project", "model"}, {"support", "json"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    if (args.flag("support")) {
        printSupport();
        return 0;
    }
    if (args.value("model")) return printModel(args.required("model"), args.flag("json"));
    Project project = openProjectFile(args.required("project"));
    const TextSet& texts = project.texts();
    std::map<std::string, size_t> sources;
    for (const std::string& s : texts.sources) ++sources[s.empty() ? "(none)" : s];

    std::cout << "project     " << project.path() << "\n"
              << "texts       " << texts.size() << " (mean " << static_cast<long>(texts.meanBytes())
              << " bytes), hash " << project.textSetHash() << "\n";
    for (const auto& [source, count] : sources) {
        std::cout << "  source    " << source << ": " << count << "\n";
    }
    if (texts.hasPrompts())
        std::cout << "kind        prompt-response pairs: log p(response | prompt)\n";
    const auto complete = project.completeRows();
    std::cout << "convention  " << project.convention() << "\n"
              << "models      " << project.modelCount() << " (" << complete.size()
              << " fully scored)\n";
    if (project.hasMarginal()) {
        project.selectMatrix("pmi");
        std::cout << "matrices    loglik, and pmi (--matrix pmi) for "
                  << project.completeRows().size() << " models\n";
        project.selectMatrix("loglik");
    }
    const size_t shown = std::min<size_t>(project.modelCount(), 20);
    for (size_t i = 0; i < shown; ++i)
        std::cout << "  model     " << project.models()[i].id << "\n";
    if (shown < project.modelCount()) {
        std::cout << "  … and " << project.modelCount() - shown
                  << " more ('llmap-cli export --what coords' lists all)\n";
    }
    std::cout << "runs        " << project.provenance().size() << "\n";
    return 0;
}

}  // namespace llmap::cli
