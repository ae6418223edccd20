#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "model/interpolate.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
namespace fs = std::filesystem;

const char* kHelp =
    R"(Usage: llmap-cli interpolate --from A --to B --alpha 0.25,0.5,0.75 --out DIR [--force]

Model arithmetic: writes one Hugging Face model folder per alpha whose weights are
(1 - alpha) * A + alpha * B, tensor by tensor. A and B are model folders with safetensors
weights (one file or shards with model.safetensors.index.json) of the same architecture: the
same model_type and architectures in config.json and the same tensors with the same shapes and
dtypes. Each value is computed in float32 (float64 for float64 tensors) and rounded once to the
stored dtype, round to nearest even, as torch's
((1 - alpha) * A.float() + alpha * B.float()).to(dtype) does.

  --from A      the model at alpha = 0
  --to B        the model at alpha = 1
  --alpha LIST  comma-separated values in [0, 1], each once (no extrapolation)
  --out DIR     where the folders go (created if missing); each is named
                DIR/<A>--<B>--alpha<value>, e.g. DIR/llama-a--llama-b--alpha0.25, where <A> and
                <B> are the folders' names (org_name for a Hugging Face cache snapshot)
  --force       replace output folders that exist (otherwise they are refused)

Each folder holds model.safetensors (above 5 GiB of weights: shards of at most 5 GiB with
model.safetensors.index.json), A's config.json, tokenizer and other non-weight files (not its
README.md model card), and
llmap_interpolation.json: from, to, alpha, the formula, the LLMap version and the time. A folder
is written under a hidden temporary name (.NAME.partial) and renamed when complete, so a failed
run never leaves a folder that looks finished. Every check runs before anything is written.
Memory: the weights are memory-mapped and mixed 64k elements at a time.
Refused (exit code 2): A and B the same folder or with identical weights, a GGUF file or a folder
of GGUF only (quantised blocks: interpolate the safetensors originals), different architectures
or tensors (the first differing tensor is named), alpha values that are not numbers, outside
[0, 1] or repeated, an --out that is a file, an output folder that exists (without --force).
)";
}  // namespace

int runInterpolate(int argc, char** argv) {
    Arguments args("interpolate", argc, argv, 2, {"from", "to", "alpha", "out"}, {"force"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    if (!args.positionals().empty()) {
        throw InputError("unexpected argument \"" + args.positionals().front() + "\"",
                         "llmap-cli interpolate", "see 'llmap-cli interpolate --help'");
    }
    const std::string from = args.required("from");
    const std::string to = args.required("to");
    const std::string alphaList = args.required("alpha");
    const std::string out = args.required("out");
    const bool force = args.flag("force");
    const std::vector<double> alphas = parseAlphas(alphaList, "--alpha");
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
        throw InputError("--out exists and is not a folder", out,
                         "give a folder for the interpolated models; it is created if missing");
    }
    const InterpolationPlan plan = planInterpolation(from, to);
    std::vector<fs::path> targets;
    for (double alpha : alphas) {
        const fs::path target = fs::path(out) / interpolationFolderName(plan, alpha);
        if (fs::exists(target, ec) && !force) {
            throw InputError("the output folder exists already", target.string(),
                             "remove it, choose another --out, or pass --force to replace it");
        }
        if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
            throw InputError("the output path exists and is not a folder", target.string(),
                             "remove it or choose another --out");
        }
        targets.push_back(target);
    }
    fs::create_directories(out, ec);
    if (ec) {
        throw InputError("cannot create the --out folder: " + ec.message(), out,
                         "give a folder that can be created and written to");
    }
    const auto space = fs::space(out, ec);
    const uint64_t needed = plan.weightBytes * alphas.size();
    if (!ec && space.available < needed) {
        throw DiskFullError("the folders need " + std::to_string(needed >> 20) + " MiB but " +
                                std::to_string(space.available >> 20) + " MiB are free",
                            out, "free some space or write fewer alphas at a time");
    }
    for (size_t i = 0; i < alphas.size(); ++i) {
        const auto start = std::chrono::steady_clock::now();
        writeInterpolation(plan, alphas[i], targets[i].string(), force);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << "alpha " << alphaLabel(alphas[i]) << ": " << targets[i].string() << " ("
                  << static_cast<double>(plan.weightBytes) / (1 << 20) << " MiB of weights, "
                  << seconds << " s)\n";
    }
    return 0;
}

}  // namespace llmap::cli
