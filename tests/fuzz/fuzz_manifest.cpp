// The cluster manifest (llmap-cli plan / slurm): its header, the task count and the model lines.
#include "fuzz_support.h"
#include "score/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path =
        llmap::fuzz::writeScratch("manifest.tsv", llmap::fuzz::asView(data, size));
    llmap::fuzz::expectCleanOutcome([&] {
        const llmap::Manifest m = llmap::readManifest(path);
        for (const auto& task : m.tasks) {
            if (task.empty()) std::abort();  // every task the reader returns holds a model
        }
    });
    return 0;
}
