#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "score/shard.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli merge --project P.h5 SHARD...

Puts the model rows of shard files (written by 'llmap-cli score --shard-out DIR') into P.h5.
A shard of another text set or convention than P.h5's, a damaged or incomplete one, or one of a
model already scored in P.h5 is reported and skipped; the others are merged, and the exit code is
then 2.
)";
}  // namespace

int runMerge(int argc, char** argv) {
    Arguments args("merge", argc, argv, 2, {"project"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string projectPath = args.required("project");
    if (args.positionals().empty()) {
        throw InputError("no shard files given", "llmap-cli merge", "list the *.shard.h5 files");
    }
    Project project = Project::open(projectPath, true);
    int merged = 0, failures = 0;
    for (const std::string& path : args.positionals()) {
        try {
            const Shard shard = readShard(path);
            mergeShard(project, shard, path);
            ++merged;
            std::cerr << shard.model.id << ": merged from " << path << "\n";
        } catch (const Error& e) {
            ++failures;
            std::cerr << "llmap-cli merge: " << path << " skipped: " << e.message() << "\n";
        }
    }
    std::cerr << "merged " << merged << " of " << args.positionals().size() << " shards into "
              << projectPath << "\n";
    return failures ? 2 : 0;
}

}  // namespace llmap::cli
