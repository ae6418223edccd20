#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/benchmark_csv.h"
#include "analysis/ridge.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "store/model_metadata.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli predict --project P.h5 --benchmarks B.csv --out F.csv
                      [--group-by FIELD] [--seeds 5] [--seed 0] [--folds 5] [--inner-folds 5]
                      [--no-store] [--matrix loglik|pmi]

Predicts benchmark scores from the models' log-likelihood vectors (P1 §5): ridge regression from
q_i, the penalty chosen by an inner CV over 10^1..10^9, out-of-fold predictions from an outer CV,
plain or grouped by a metadata field (--group-by family holds out whole families), repeated over
--seeds seeds starting at --seed. B.csv: a header "model,<benchmark>,...", one row per model (an
empty cell = no score). Writes "model,<benchmark>..." with the predictions averaged over the seeds
and prints Pearson r and Spearman rho per benchmark (means over seeds).
)";
}  // namespace

int runPredict(int argc, char** argv) {
    Arguments args("predict", argc, argv, 2,
                   {"project", "benchmarks", "out", "group-by", "seeds", "seed", "folds",
                    "inner-folds", "matrix"},
                   {"reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    const std::string benchPath = args.required("benchmarks");
    AnalysisContext ctx = openAnalysis(args, "predict", 3);
    std::vector<std::string> allIds;
    for (const auto& m : ctx.project.models()) allIds.push_back(m.id);
    const BenchmarkTable all = readBenchmarkCsv(benchPath, allIds);
    Eigen::MatrixXd scores(static_cast<Eigen::Index>(ctx.geometry.rows.size()), all.scores.cols());
    for (size_t i = 0; i < ctx.geometry.rows.size(); ++i) {
        scores.row(static_cast<Eigen::Index>(i)) =
            all.scores.row(static_cast<Eigen::Index>(ctx.geometry.rows[i]));
    }
    RidgeCvOptions o;
    o.outerFolds = intOption(args, "folds", 5, "predict");
    o.innerFolds = intOption(args, "inner-folds", 5, "predict");
    const int seeds = intOption(args, "seeds", 5, "predict");
    const uint64_t first = static_cast<uint64_t>(intOption(args, "seed", 0, "predict"));
    if (seeds < 1) throw InputError("--seeds must be at least 1", "llmap-cli predict");
    o.seeds.clear();
    for (int s = 0; s < seeds; ++s) o.seeds.push_back(first + static_cast<uint64_t>(s));
    const auto groupBy = args.value("group-by");
    if (groupBy) {
        for (size_t r : ctx.geometry.rows) {
            const std::string g = metadataValue(ctx.project.models()[r].metadataJson, *groupBy);
            if (g.empty()) {
                throw InputError("model \"" + ctx.project.models()[r].id +
                                     "\" has no metadata field \"" + *groupBy + "\"",
                                 args.required("project"),
                                 "set the field for every model, or use plain CV");
            }
            o.groups.push_back(g);
        }
    }
    BenchmarkPrediction p = predictBenchmarks(ctx.geometry.centred, scores, o);
    nlohmann::json params = {
        {"features", "q_i (double-centred log-likelihoods)"},
        {"benchmarks_file", benchPath},
        {"alphas", o.alphas},
        {"outer_folds", o.outerFolds},
        {"inner_folds", o.innerFolds},
        {"seeds", o.seeds},
        {"group_by", groupBy ? nlohmann::json(*groupBy) : nlohmann::json(nullptr)},
        {"clip_threshold", ctx.geometry.clipThreshold}};
    for (size_t b = 0; b < all.benchmarks.size(); ++b) {
        const auto j = static_cast<Eigen::Index>(b);
        params["pearson"][all.benchmarks[b]] = p.meanPearson(j);
        params["spearman"][all.benchmarks[b]] = p.meanSpearman(j);
        std::cout << all.benchmarks[b] << ": Pearson r " << p.meanPearson(j) << ", Spearman rho "
                  << p.meanSpearman(j) << "\n";
    }
    writeResult(ctx, out, "predict", "model", ctx.ids, all.benchmarks, p.predictions,
                params.dump());
    return 0;
}

}  // namespace llmap::cli
