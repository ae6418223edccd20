#include <algorithm>
#include <iostream>
#include <map>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "store/project.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli info --project P.h5

Prints what a project holds: its text set (count, sources, content hash), the scoring convention,
the models and how many are fully scored, and the runs recorded in its provenance.
)";
}  // namespace

int runInfo(int argc, char** argv) {
    Arguments args("info", argc, argv, 2, {"project"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    Project project = Project::open(args.required("project"));
    const TextSet& texts = project.texts();
    std::map<std::string, size_t> sources;
    for (const std::string& s : texts.sources) ++sources[s.empty() ? "(none)" : s];

    std::cout << "project     " << project.path() << "\n"
              << "texts       " << texts.size() << " (mean " << static_cast<long>(texts.meanBytes())
              << " bytes), hash " << project.textSetHash() << "\n";
    for (const auto& [source, count] : sources) {
        std::cout << "  source    " << source << ": " << count << "\n";
    }
    const auto complete = project.completeRows();
    std::cout << "convention  " << project.convention() << "\n"
              << "models      " << project.modelCount() << " (" << complete.size()
              << " fully scored)\n";
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
