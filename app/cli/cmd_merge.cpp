#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "score/shard.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(Usage: llmap-cli merge --project P.h5 [--shard-dir DIR] [SHARD...]

Puts the model rows of shard files (written by 'llmap-cli score --shard-out DIR') into P.h5, one
shard at a time (memory: the project's texts and one shard).

  --shard-dir DIR  every *.shard.h5 file of DIR, in name order (besides the SHARD files given)

A shard whose model is already in P.h5 with the same scores is skipped as merged, so a merge can
be run again. A shard of another text set or convention than P.h5's, a damaged or incomplete one,
a file that is not a shard, or one of a model scored differently in P.h5 is reported and skipped;
the others are merged, and the exit code is then 2, after a list of the skipped files.
)";

std::vector<std::string> shardsIn(const std::string& dir) {
    if (!fs::is_directory(dir)) {
        throw InputError("no such folder", dir, "give the folder the scoring tasks wrote into");
    }
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        const std::string suffix = ".shard.h5";
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            out.push_back(e.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The model's row already holds exactly these scores.
bool alreadyMerged(const Project& project, const Shard& shard) {
    const auto row = project.findModel(shard.model.id);
    if (!row) return false;
    const std::vector<double> have = project.scoreRow(*row);
    if (have.size() != shard.loglik.size()) return false;
    for (size_t i = 0; i < have.size(); ++i) {
        if (!(have[i] == shard.loglik[i])) return false;
    }
    return true;
}
}  // namespace

int runMerge(int argc, char** argv) {
    Arguments args("merge", argc, argv, 2, {"project", "shard-dir"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string projectPath = args.required("project");
    std::vector<std::string> paths = args.positionals();
    if (const auto dir = args.value("shard-dir")) {
        const auto found = shardsIn(*dir);
        paths.insert(paths.end(), found.begin(), found.end());
        if (found.empty()) std::cerr << "llmap-cli merge: " << *dir << " holds no *.shard.h5\n";
    }
    if (paths.empty() && !args.value("shard-dir")) {
        throw InputError("no shard files given", "llmap-cli merge",
                         "list the *.shard.h5 files or give --shard-dir DIR");
    }
    Project project = openProjectFile(projectPath, true);
    size_t merged = 0, present = 0;
    std::vector<std::string> skipped;
    for (const std::string& path : paths) {
        try {
            const Shard shard = readShardIsolated(path);  // the only shard held in memory
            if (shard.textSetHash == project.textSetHash() && alreadyMerged(project, shard)) {
                ++present;
                continue;
            }
            mergeShard(project, shard, path);
            ++merged;
            std::cerr << shard.model.id << ": merged from " << path << "\n";
        } catch (const Error& e) {
            skipped.push_back(path);
            std::cerr << "llmap-cli merge: " << path << " skipped: " << e.message() << "\n";
        } catch (const std::exception& e) {
            skipped.push_back(path);
            std::cerr << "llmap-cli merge: " << path << " skipped: " << e.what() << "\n";
        }
    }
    std::cerr << "merged " << merged << " of " << paths.size() << " shards into " << projectPath;
    if (present) std::cerr << " (" << present << " already there)";
    std::cerr << "\n";
    if (skipped.empty()) return 0;
    std::cerr << "llmap-cli merge: " << skipped.size() << " shard(s) skipped, not merged:\n";
    for (const std::string& s : skipped) std::cerr << "  " << s << "\n";
    return 2;
}

}  // namespace llmap::cli
