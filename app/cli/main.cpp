// llmap-cli: the headless side of LLMap. Links llmap_core only (no Qt), so it runs on cluster nodes.
#include <cstring>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "util/error.h"
#include "util/version.h"

namespace {

const char* kUsage = R"(llmap-cli — maps of language models from log-likelihood vectors

Usage: llmap-cli <command> [options]

Commands:
  import   --project P.h5 --matrix M.csv --texts T.jsonl
           put a models x texts log-likelihood matrix into a project (created if missing)
  info     --project P.h5 | --model DIR [--json] | --support
           what a project holds; a model folder's metadata; the supported model_types
  map      --project P.h5 [--method pca] --out C.csv
           2-D coordinates of the scored models
  export   --project P.h5 --what scores|coords|kl --out F.csv [--unit nats|bits]
           the raw matrix, the map coordinates with metadata, or the KL matrix

Options for every command: --help
Exit codes: 0 success, 1 failure, 2 bad input (the message names the file and the fix).
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    if (command == "--version" || command == "version") {
        std::cout << "llmap-cli " << LLMAP_VERSION << "\n";
        return 0;
    }
    try {
        if (command == "import") return llmap::cli::runImport(argc, argv);
        if (command == "info") return llmap::cli::runInfo(argc, argv);
        if (command == "map") return llmap::cli::runMap(argc, argv);
        if (command == "export") return llmap::cli::runExport(argc, argv);
        std::cerr << "llmap-cli: unknown command \"" << command << "\" (see 'llmap-cli --help')\n";
        return 2;
    } catch (const llmap::InputError& e) {
        std::cerr << "llmap-cli " << command << ": " << e.message() << "\n";
        return 2;
    } catch (const llmap::Error& e) {
        std::cerr << "llmap-cli " << command << ": " << e.message() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "llmap-cli " << command << ": " << e.what() << "\n";
        return 1;
    }
}
