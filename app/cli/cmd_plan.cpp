#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/score_project.h"
#include "model/model_info.h"
#include "score/manifest.h"
#include "score/scorer.h"
#include "score/shard.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
namespace fs = std::filesystem;

const char* kHelp =
    R"(Usage: llmap-cli plan --project P.h5 [--texts T] --models LIST --out MANIFEST
                       [--shard-out DIR] [--pack-seconds S] [--flops F] [--overhead-seconds O]
                       [--convention full|paper] [DIR...]

Plans a cluster run: splits model folders into array tasks of roughly S seconds each and writes
the manifest that 'llmap-cli score --manifest MANIFEST --task-index I' and 'llmap-cli slurm
submit' read. Reads only the models' metadata (no weights), so it takes seconds for thousands.

  --project P.h5   the project the shards are merged into; created when missing (then --texts
                   is required) with the texts of T
  --models LIST    a folder whose sub-folders are model folders, or a text file with one model
                   folder per line ('#' starts a comment); more folders may follow as DIR...
  --out MANIFEST   the manifest to write (TSV; see packaging/slurm/README.md)
  --shard-out DIR  where the tasks write their shards (default: P.shards next to P.h5)
  --pack-seconds S pack small models together so that a task runs about S seconds
                   (default 3600); 0 gives every model a task of its own
  --flops F        sustained FLOP/s of one task (default 1e13, a data-centre GPU in bf16; about
                   2e10 per CPU core): a model of p parameters costs O + 2 p t / F seconds,
                   t being the text set's tokens
  --overhead-seconds O  fixed cost per model: start-up and loading the weights (default 10)

Models already scored in P.h5 or with a shard in DIR are left out. The text set's tokens t are
the mean of the models already scored in P.h5, else its UTF-8 bytes / 4. A folder that is not a
readable model is reported and left out; the exit code is then 2.
)";

double positiveNumber(const Arguments& args, const char* name, double fallback, bool allowZero) {
    const auto v = args.value(name);
    if (!v) return fallback;
    char* end = nullptr;
    const double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end || !std::isfinite(x) || x < 0 || (!allowZero && x == 0)) {
        throw InputError("--" + std::string(name) + " must be a number " +
                             (allowZero ? ">= 0" : "> 0") + ", not \"" + *v + "\"",
                         "llmap-cli plan", "give e.g. --" + std::string(name) + " 3600");
    }
    return x;
}

// Model folders from a folder of model folders or a list file.
std::vector<std::string> listModels(const std::string& list) {
    std::vector<std::string> out;
    if (fs::is_directory(list)) {
        for (const auto& e : fs::directory_iterator(list)) {
            if (e.is_directory() && fs::exists(e.path() / "config.json")) {
                out.push_back(e.path().string());
            }
        }
        std::sort(out.begin(), out.end());
        if (out.empty()) {
            throw InputError("no sub-folder holds a config.json", list,
                             "give the folder that holds the model folders, or a list file");
        }
        return out;
    }
    std::ifstream in(list);
    if (!in) throw InputError("no such folder or file", list, "check the path");
    std::string line;
    while (std::getline(in, line)) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        const auto a = line.find_first_not_of(" \t\r");
        if (a == std::string::npos) continue;
        const auto b = line.find_last_not_of(" \t\r");
        out.push_back(line.substr(a, b - a + 1));
    }
    return out;
}

// Mean tokens per model of the rows already scored, else bytes / 4.
double textSetTokens(const Project& project) {
    double sum = 0;
    int rows = 0;
    for (size_t r = 0; r < project.modelCount() && rows < 16; ++r) {
        const auto tokens = project.tokenRow(r);
        const auto scores = project.scoreRow(r);
        bool complete = true;
        double s = 0;
        for (size_t i = 0; i < tokens.size(); ++i) {
            if (tokens[i] < 0 || std::isnan(scores[i])) {
                complete = false;
                break;
            }
            s += tokens[i];
        }
        if (complete) {
            sum += s;
            ++rows;
        }
    }
    if (rows > 0) return sum / rows;
    double bytes = 0;
    for (const std::string& t : project.texts().texts) bytes += static_cast<double>(t.size());
    return bytes / 4;
}

bool rowComplete(const Project& project, size_t row) {
    const auto scores = project.scoreRow(row);
    return std::none_of(scores.begin(), scores.end(), [](double x) { return std::isnan(x); });
}

}  // namespace

int runPlan(int argc, char** argv) {
    Arguments args("plan", argc, argv, 2,
                   {"project", "texts", "models", "out", "shard-out", "pack-seconds", "flops",
                    "overhead-seconds", "convention"},
                   {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string projectPath = args.required("project");
    const std::string out = args.required("out");
    std::vector<std::string> folders = listModels(args.required("models"));
    for (const std::string& p : args.positionals()) folders.push_back(p);
    if (folders.empty()) {
        throw InputError("no model folders", args.required("models"), "list model folders");
    }

    Manifest manifest;
    manifest.packSeconds = positiveNumber(args, "pack-seconds", 3600, true);
    manifest.flops = positiveNumber(args, "flops", 1e13, false);
    manifest.overheadSeconds = positiveNumber(args, "overhead-seconds", 10, true);
    const Project project =
        openOrCreate(projectPath, args.value("texts"), args.value("convention").value_or(""));
    manifest.project = fs::absolute(projectPath).lexically_normal().string();
    const fs::path p(manifest.project);
    manifest.shardDir =
        fs::absolute(args.value("shard-out")
                         .value_or((p.parent_path() / (p.stem().string() + ".shards")).string()))
            .lexically_normal()
            .string();
    manifest.tokens = textSetTokens(project);

    std::vector<PlannedModel> models;
    int bad = 0, done = 0;
    std::vector<std::string> seen;
    for (const std::string& folder : folders) {
        PlannedModel m;
        fs::path dir = fs::absolute(folder).lexically_normal();
        if (dir.filename().empty()) dir = dir.parent_path();  // "models/a/" -> "models/a"
        m.folder = dir.string();
        m.id = defaultModelId(m.folder);
        if (std::find(seen.begin(), seen.end(), m.id) != seen.end()) {
            std::cerr << "llmap-cli plan: " << folder << " left out: the id \"" << m.id
                      << "\" is listed twice\n";
            ++bad;
            continue;
        }
        seen.push_back(m.id);
        if (const auto row = project.findModel(m.id); row && rowComplete(project, *row)) {
            ++done;
            continue;
        }
        if (fs::exists(fs::path(manifest.shardDir) / shardFileName(m.id))) {
            ++done;
            continue;
        }
        try {
            m.parameters = readModelInfo(m.folder).parameters;
        } catch (const Error& e) {
            std::cerr << "llmap-cli plan: " << folder << " left out: " << e.message() << "\n";
            ++bad;
            continue;
        }
        m.seconds = estimateSeconds(m.parameters, manifest.tokens, manifest.flops,
                                    manifest.overheadSeconds);
        models.push_back(std::move(m));
    }
    double total = 0, longest = 0;
    for (const auto& m : models) total += m.seconds;
    manifest.tasks = packTasks(std::move(models), manifest.packSeconds);
    for (const auto& task : manifest.tasks) {
        double s = 0;
        for (const auto& m : task) s += m.seconds;
        longest = std::max(longest, s);
    }
    writeManifest(out, manifest);
    std::cout << manifest.tasks.size() << " tasks for " << seen.size() - done - bad << " models ("
              << done << " already scored, " << bad << " left out); estimated "
              << static_cast<long long>(std::ceil(total)) << " s in all, the longest task "
              << static_cast<long long>(std::ceil(longest)) << " s\n"
              << "manifest: " << out << "\nshards: " << manifest.shardDir << "\n";
    if (manifest.tasks.empty()) std::cout << "nothing to score\n";
    return bad ? 2 : 0;
}

}  // namespace llmap::cli
