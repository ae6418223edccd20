#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/geometry.h"
#include "analysis/resample.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli resample --project P.h5 --n 500 --out T.csv [--seed 42]
                       [--importance variance|kl|uniform] [--repeats 1] [--no-store]
                       [--matrix loglik|pmi]

Chooses fewer texts (P2): draws --n texts with replacement with probability p_s (variance:
p_s ~ sum_i q_is^2, the likelihood variance of the text across the scored models; kl: the
weights that minimise the variance of the estimated KL matrix; uniform), and writes the distinct
texts a new model needs: "text,index,source,count,weight,probability" (weight = sqrt(count /
(n p_s))). Prints the error ||G~ - G||_F / ||G||_F of the pairwise squared distances estimated
from the sample (weighted estimator) against all texts, averaged over --repeats seeds.
)";
}  // namespace

int runResample(int argc, char** argv) {
    Arguments args("resample", argc, argv, 2,
                   {"project", "n", "out", "seed", "importance", "repeats", "matrix"},
                   {"reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    const int n = intOption(args, "n", 0, "resample");
    if (n < 1) {
        throw InputError("--n must be at least 1", "llmap-cli resample",
                         "pass the number of texts to draw, e.g. --n 500");
    }
    const int repeats = intOption(args, "repeats", 1, "resample");
    if (repeats < 1) throw InputError("--repeats must be at least 1", "llmap-cli resample");
    const std::string kind = args.value("importance").value_or("variance");
    const uint64_t seed = seedOption(args, "resample");
    AnalysisContext ctx = openAnalysis(args, "resample", 3);
    const Geometry& g = ctx.geometry;
    const Eigen::VectorXd p = textImportance(g.centred, kind);
    const Eigen::MatrixXd clipped =
        selectRows(ctx.project.scores(), g.rows).array().max(g.clipThreshold).matrix();

    double error = 0;
    TextSample sample;
    for (int r = 0; r < repeats; ++r) {
        TextSample t = sampleTexts(p, static_cast<size_t>(n), seed + static_cast<uint64_t>(r));
        error += distanceMatrixError(
                     resampledCoordinates(sampleColumns(clipped, t.texts), t.weights), g.centred) /
                 repeats;
        if (r == 0) sample = std::move(t);
    }
    const TextSet& texts = ctx.project.texts();
    std::vector<std::string> ids;
    Eigen::MatrixXd values(static_cast<Eigen::Index>(sample.texts.size()), 4);
    for (size_t i = 0; i < sample.texts.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        ids.push_back(texts.ids[sample.texts[i]]);
        values.row(r) << static_cast<double>(sample.texts[i]), sample.counts[i], sample.weights(r),
            p(static_cast<Eigen::Index>(sample.texts[i]));
    }
    nlohmann::json params = {{"importance", kind},
                             {"draws", n},
                             {"seed", seed},
                             {"repeats", repeats},
                             {"distinct_texts", sample.texts.size()},
                             {"relative_error_G", error},
                             {"clip_threshold", g.clipThreshold},
                             {"models", g.rows.size()}};
    std::cout << sample.texts.size() << " distinct texts from " << n << " draws (" << kind
              << "); ||G~ - G||/||G|| = " << error
              << (repeats > 1 ? " (mean of " + std::to_string(repeats) + " seeds)" : std::string())
              << "\n";
    writeResult(ctx, out, "resample", "text", ids, {"index", "count", "weight", "probability"},
                values, params.dump());
    return 0;
}

}  // namespace llmap::cli
