#include <iostream>
#include <sstream>

#include "analysis/geometry.h"
#include "analysis/kl.h"
#include "analysis/model_map.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "store/csv_exports.h"
#include "store/matrix_csv.h"
#include "store/project.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli export --project P.h5 --what scores|coords|kl --out F.csv
                         [--method pca|mds|tsne] [--unit nats|bits] [--matrix loglik|pmi]

  scores  the raw log-likelihood matrix in the import format (NaN where not scored)
  coords  one row per fully scored model: id, x, y, then every metadata field
  kl      the K x K KL-divergence matrix of the fully scored models, model ids as header row and
          first column; --unit nats (per text, default) or bits (per byte)
  --matrix  loglik (default) or pmi: log p(response | prompt) - log p(response), for
            prompt-response projects scored with --pmi
)";

// The project's stored clip threshold, when an analysis has fixed one.
GeometryOptions storedGeometry(const Project& project) {
    GeometryOptions o;
    o.clipThreshold = project.clipThreshold();
    return o;
}

std::string exportCoords(const Project& project, const std::string& method) {
    MapOptions options;
    options.geometry = storedGeometry(project);
    ModelMap map = computeMap(project.scores(), method, options);
    std::vector<std::string> ids, metadata;
    for (size_t r : map.rows) {
        ids.push_back(project.models()[r].id);
        metadata.push_back(project.models()[r].metadataJson);
    }
    return coordinatesCsv(ids, map.xy, metadata);
}

std::string exportKl(const Project& project, const std::string& unit) {
    if (unit != "nats" && unit != "bits") {
        throw InputError("unknown unit \"" + unit + "\"", "llmap-cli export", "use nats or bits");
    }
    Geometry g = computeGeometry(project.scores(), storedGeometry(project));
    Eigen::MatrixXd kl = unit == "nats" ? klNatsPerText(g.centred)
                                        : klBitsPerByte(g.centred, project.texts().meanBytes());
    std::vector<std::string> ids;
    for (size_t r : g.rows) ids.push_back(project.models()[r].id);
    return squareMatrixCsv(ids, kl, unit == "nats" ? "kl_nats_per_text" : "kl_bits_per_byte");
}
}  // namespace

int runExport(int argc, char** argv) {
    Arguments args("export", argc, argv, 2, {"project", "what", "out", "method", "unit", "matrix"},
                   {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    Project project = openProjectFile(args.required("project"));
    if (const auto m = args.value("matrix")) project.selectMatrix(*m);
    const std::string what = args.required("what");
    const std::string out = args.required("out");
    std::string content;
    if (what == "scores") {
        std::ostringstream csv;
        writeScoreCsv(csv, project);
        content = csv.str();
    } else if (what == "coords") {
        content = exportCoords(project, args.value("method").value_or("pca"));
    } else if (what == "kl") {
        content = exportKl(project, args.value("unit").value_or("nats"));
    } else {
        throw InputError("unknown --what \"" + what + "\"", "llmap-cli export",
                         "use scores, coords or kl");
    }
    writeFileAtomically(out, content);
    std::cout << "wrote " << what << " to " << out << "\n";
    return 0;
}

}  // namespace llmap::cli
