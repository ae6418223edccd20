#include <iostream>
#include <sstream>

#include "analysis/model_map.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "store/project.h"
#include "util/csv.h"
#include "util/file_output.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli map --project P.h5 [--method pca] --out C.csv

Writes 2-D map coordinates of the fully scored models: a header "model,x,y", then one row per
model. Scores are clipped at their global 2nd percentile and double-centred first (as in the paper).
Models not fully scored yet are left out and counted on standard error.
)";
}  // namespace

int runMap(int argc, char** argv) {
    Arguments args("map", argc, argv, 2, {"project", "method", "out"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    Project project = Project::open(args.required("project"));
    const std::string out = args.required("out");
    ModelMap map = computeMap(project.scores(), args.value("method").value_or("pca"));

    std::ostringstream csv;
    writeCsvRow(csv, {"model", "x", "y"});
    for (size_t i = 0; i < map.rows.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        writeCsvRow(csv, {project.models()[map.rows[i]].id, formatDouble(map.xy(r, 0)),
                          formatDouble(map.xy(r, 1))});
    }
    writeFileAtomically(out, csv.str());
    if (map.rows.size() < project.modelCount()) {
        std::cerr << "left out " << project.modelCount() - map.rows.size()
                  << " models that are not fully scored\n";
    }
    std::cout << "wrote " << map.rows.size() << " models to " << out << "\n";
    return 0;
}

}  // namespace llmap::cli
