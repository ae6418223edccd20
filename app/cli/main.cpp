// llmap-cli: the headless side of LLMap. Links llmap_core only (no Qt), so it runs on cluster
// nodes.
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
  import   --project P.h5 --matrix M.csv --texts T.jsonl [--metadata META.csv]
           put a models x texts log-likelihood matrix into a project (created if missing)
  annotate --project P.h5 --metadata META.csv
           add metadata fields (family, benchmark scores, ...) to models of a project
  info     --project P.h5 | --model DIR [--json] | --support
           what a project holds; a model folder's metadata; the supported model_types
  map      --project P.h5 [--method pca|mds|tsne] --out C.csv [--seed 42] [--perplexity 30]
           2-D coordinates of the scored models (stored with their parameters in the project)
  cluster  --project P.h5 --method kmeans|ward|average|complete|dbscan|hdbscan --out F.csv [--k 8]
           clusters of the scored models, their silhouette, the dendrogram
  kl       --project P.h5 --out F.csv [--unit nats|bits] [--model ID --neighbours 10]
           the KL matrix, or one model's nearest neighbours with their KL
  sample-kl --model A --model B [--samples 256] [--max-tokens 256] [--seed 42] [--project P.h5]
           a sampled check of the map's KL: sequences drawn from A, mean log p_A - log p_B
  predict  --project P.h5 --benchmarks B.csv --out F.csv [--group-by family] [--seeds 5]
           benchmark scores predicted by ridge regression (cross-validated), Pearson r, Spearman rho
  resample --project P.h5 --n 500 --out T.csv [--importance variance|kl|uniform] [--seed 42]
           fewer texts: the distinct texts a new model needs, their weights, the error of the estimate
  export   --project P.h5 --what scores|coords|kl --out F.csv [--unit nats|bits]
           the raw matrix, the map coordinates with metadata, or the KL matrix
  texts    build --out T.jsonl [--seed S] [--count N] LABEL[:COUNT]=PATH...
           cut documents into a text set the way the paper does (see 'llmap-cli texts --help')
  texts    subset --texts T --out Q.jsonl --count N [--seed S]
           a smaller set with every source keeping its share
  texts    info --texts T
           count, sources, byte statistics and content hash of a text set
  tokenize --tokenizer PATH (--text S | --file F) [--no-special] [--format ids|json]
           token ids as the model's Hugging Face tokenizer gives them (folder, tokenizer.json,
           tokenizer.model or .gguf)
  interpolate --from A --to B --alpha 0.25,0.5,0.75 --out DIR [--force]
           model arithmetic: one folder of (1 - alpha) * A + alpha * B weights per alpha

  score    --project P.h5 [--texts T] --model DIR [DIR...] [--device D] [--dtype T]
           [--convention full|paper] [--batch-tokens N] [--max-padding S] [--threads N]
           [--shard-out DIR] [--pmi]
           score model folders on the project's texts (resumable; see 'llmap-cli score --help')
  score    --manifest M [--task-index I] [--shard-out DIR] [--device D] ...
           score one task of a plan into shards (I defaults to $SLURM_ARRAY_TASK_ID)
  merge    --project P.h5 [--shard-dir DIR] [SHARD...]
           put shard files of 'score --shard-out' into the project, one at a time
  plan     --project P.h5 [--texts T] --models LIST --out MANIFEST [--pack-seconds S]
           [--flops F] [--shard-out DIR]
           split model folders into cluster array tasks of about S seconds each
  slurm    submit --manifest M [--cpu] [--parallel P] [--indices LIST]
           write and submit the SLURM scoring array and its merge job; print the job ids
  slurm    status --manifest M
           done/running/pending/failed tasks, and the command that re-runs the failed ones

map, cluster, kl, predict, resample and export take --matrix loglik|pmi: the log-likelihoods
(default) or, for a prompt-response project scored with --pmi, log p(response|prompt) - log p(response).

Options for every command: --help
Exit codes: 0 success, 1 failure, 2 bad input (the message names the file and the fix).
)";

// Errors about the command line name the command themselves ("llmap-cli score: --threads ...").
std::string withCommand(const std::string& command, const std::string& message) {
    const std::string prefix = "llmap-cli " + command + ": ";
    return message.rfind(prefix, 0) == 0 ? message : prefix + message;
}

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
        if (command == "annotate") return llmap::cli::runAnnotate(argc, argv);
        if (command == "info") return llmap::cli::runInfo(argc, argv);
        if (command == "map") return llmap::cli::runMap(argc, argv);
        if (command == "export") return llmap::cli::runExport(argc, argv);
        if (command == "texts") return llmap::cli::runTexts(argc, argv);
        if (command == "cluster") return llmap::cli::runCluster(argc, argv);
        if (command == "kl") return llmap::cli::runKl(argc, argv);
        if (command == "sample-kl") return llmap::cli::runSampleKl(argc, argv);
        if (command == "tokenize") return llmap::cli::runTokenize(argc, argv);
        if (command == "predict") return llmap::cli::runPredict(argc, argv);
        if (command == "resample") return llmap::cli::runResample(argc, argv);
        if (command == "score") return llmap::cli::runScore(argc, argv);
        if (command == "merge") return llmap::cli::runMerge(argc, argv);
        if (command == "interpolate") return llmap::cli::runInterpolate(argc, argv);
        if (command == "plan") return llmap::cli::runPlan(argc, argv);
        if (command == "slurm") return llmap::cli::runSlurm(argc, argv);
        std::cerr << "llmap-cli: unknown command \"" << command << "\" (see 'llmap-cli --help')\n";
        return 2;
    } catch (const llmap::InputError& e) {
        std::cerr << withCommand(command, e.message()) << "\n";
        return 2;
    } catch (const llmap::Error& e) {
        std::cerr << withCommand(command, e.message()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << withCommand(command, e.what()) << "\n";
        return 1;
    }
}
