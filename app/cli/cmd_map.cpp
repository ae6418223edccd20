#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/model_map.h"
#include "analysis/model_summary.h"
#include "analysis/procrustes.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli map --project P.h5 [--method pca|mds|tsne] --out C.csv
                      [--seed 42] [--perplexity 30] [--iterations 1000] [--init pca|random]
                      [--tsne-method auto|exact|barnes_hut] [--early-exaggeration 12]
                      [--learning-rate auto] [--angle 0.5] [--pca-solver auto|exact|randomized]
                      [--name NAME] [--align] [--summary S.csv] [--reclip] [--no-store]
                      [--matrix loglik|pmi]

Writes 2-D map coordinates of the fully scored models: a header "model,x,y", then one row per
model. Scores are clipped at the project's stored threshold (the global 2nd percentile, fixed the
first time; --reclip computes it again) and double-centred first (as in the paper).
  pca   principal components of the centred matrix
  mds   classical MDS on the KL matrix (KL as squared distance)
  tsne  t-SNE with the paper's settings: 2-D, perplexity 30, PCA initialisation, squared
        Euclidean input, seed 42, Barnes-Hut gradients as scikit-learn's default
        (--tsne-method exact: every pair, for small maps);
        --iterations 1000 as in scikit-learn and P2 (P1's figure used 10000)
The map and its parameters are stored in the project under /analysis/NAME (default map_METHOD);
--align rotates the new map onto the one stored under that name (orthogonal Procrustes over the
models both contain), so a map recomputed after adding models does not jump.
--summary writes "model,primary_category,mean_loglik": the text source where each model is
relatively best (largest mean of q_i over that source's texts) and its mean log-likelihood.
Models not fully scored yet are left out and counted on standard error.
)";
}  // namespace

int runMap(int argc, char** argv) {
    Arguments args(
        "map", argc, argv, 2,
        {"project", "method", "out", "seed", "perplexity", "iterations", "init", "tsne-method",
         "early-exaggeration", "learning-rate", "angle", "pca-solver", "name", "summary", "matrix"},
        {"align", "reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    const std::string method = args.value("method").value_or("pca");
    if (method != "pca" && method != "mds" && method != "tsne") {
        throw InputError("unknown map method \"" + method + "\"", "llmap-cli map",
                         "use --method pca, mds or tsne");
    }
    const uint64_t seed = seedOption(args, "map");
    AnalysisContext ctx = openAnalysis(args, "map", method == "pca" ? 2 : 3);
    MapOptions o;
    o.tsne.seed = seed;
    o.pcaSolver = args.value("pca-solver").value_or("auto");
    TsneOptions& t = o.tsne;
    t.perplexity = numberOption(args, "perplexity", t.perplexity, "map");
    t.maxIterations = intOption(args, "iterations", t.maxIterations, "map");
    t.init = args.value("init").value_or(t.init);
    t.method = args.value("tsne-method").value_or(t.method);
    t.earlyExaggeration = numberOption(args, "early-exaggeration", t.earlyExaggeration, "map");
    if (args.value("learning-rate") && *args.value("learning-rate") != "auto") {
        t.learningRate = numberOption(args, "learning-rate", 0, "map");
    }
    t.angle = numberOption(args, "angle", t.angle, "map");
    ModelMap map = mapOfGeometry(ctx.geometry, method, o);
    Eigen::MatrixXd xy = std::move(map.xy);
    auto params = nlohmann::json::parse(map.paramsJson);

    const std::string name = args.value("name").value_or("map_" + method);
    if (args.flag("align")) {
        const auto previous = ctx.project.readResult(name);
        const size_t shared =
            previous ? alignByName(xy, ctx.ids, previous->values, previous->rowIds) : 0;
        if (shared < 3) {
            std::cerr << "llmap-cli map: no stored map \"" << name
                      << "\" with 3 shared models to align to; not aligned\n";
        } else {
            params["aligned_to"] = name;
            params["aligned_models"] = shared;
        }
    }
    writeResult(ctx, out, name, "model", ctx.ids, {"x", "y"}, xy, params.dump());
    if (auto path = args.value("summary")) {
        // The colourings of the paper's figure: relatively best text category, mean log-likelihood.
        const auto category =
            primaryTextCategory(ctx.geometry.centred, ctx.project.texts().sources);
        const Eigen::VectorXd mean =
            meanLogLikelihood(selectRows(ctx.project.scores(), ctx.geometry.rows));
        std::ostringstream csv;
        writeCsvRow(csv, {"model", "primary_category", "mean_loglik"});
        for (size_t i = 0; i < ctx.ids.size(); ++i) {
            writeCsvRow(
                csv, {ctx.ids[i], category[i], formatDouble(mean(static_cast<Eigen::Index>(i)))});
        }
        writeFileAtomically(*path, csv.str());
    }
    return 0;
}

}  // namespace llmap::cli
