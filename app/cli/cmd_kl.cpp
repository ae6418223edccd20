#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/clustering.h"
#include "analysis/kl.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli kl --project P.h5 --out F.csv [--unit nats|bits]
                     [--model ID [--neighbours 10]] [--no-store]
                     [--matrix loglik|pmi]

The KL divergence between fully scored models, KL(p_i||p_j) ~ ||q_i - q_j||^2 / 2N: in nats per
text (default) or bits per byte. Without --model: the K x K matrix (header "model", then the model
ids). With --model: that model's nearest neighbours, "model,kl", closest first.
)";
}  // namespace

int runKl(int argc, char** argv) {
    Arguments args("kl", argc, argv, 2, {"project", "out", "unit", "model", "neighbours", "matrix"},
                   {"reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    const std::string unit = args.value("unit").value_or("nats");
    if (unit != "nats" && unit != "bits") {
        throw InputError("unknown unit \"" + unit + "\"", "llmap-cli kl",
                         "use --unit nats or bits");
    }
    AnalysisContext ctx = openAnalysis(args, "kl", 2);
    const Eigen::MatrixXd kl =
        unit == "nats" ? klNatsPerText(ctx.geometry.centred)
                       : klBitsPerByte(ctx.geometry.centred, ctx.project.texts().meanBytes());
    nlohmann::json params = {{"unit", unit == "nats" ? "nats per text" : "bits per byte"},
                             {"clip_threshold", ctx.geometry.clipThreshold}};
    if (auto model = args.value("model")) {
        size_t row = ctx.ids.size();
        for (size_t i = 0; i < ctx.ids.size(); ++i) {
            if (ctx.ids[i] == *model) row = i;
        }
        if (row == ctx.ids.size()) {
            throw InputError("model \"" + *model + "\" is not a fully scored model of the project",
                             args.required("project"), "see 'llmap-cli info' for the model ids");
        }
        const int k = intOption(args, "neighbours", 10, "kl");
        if (k < 1) throw InputError("--neighbours must be at least 1", "llmap-cli kl");
        const auto nn = nearestModels(kl, row, static_cast<size_t>(k));
        std::vector<std::string> ids;
        Eigen::MatrixXd values(static_cast<Eigen::Index>(nn.size()), 1);
        for (size_t i = 0; i < nn.size(); ++i) {
            ids.push_back(ctx.ids[nn[i].first]);
            values(static_cast<Eigen::Index>(i), 0) = nn[i].second;
        }
        params["model"] = *model;
        writeResult(ctx, out, "neighbours", "model", ids, {"kl"}, values, params.dump());
        return 0;
    }
    writeResult(ctx, out, unit == "nats" ? "kl_nats" : "kl_bits", "model", ctx.ids, ctx.ids, kl,
                params.dump());
    return 0;
}

}  // namespace llmap::cli
