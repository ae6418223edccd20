// The project file and the shard reader: the input is the bytes of an HDF5 file. The first byte
// picks the reader; everything a project holds is read back.
#include "fuzz_support.h"
#include "score/shard.h"
#include "store/project.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string path =
        llmap::fuzz::writeScratch("project.h5", llmap::fuzz::asView(data + 1, size - 1));
    llmap::fuzz::expectCleanOutcome([&] {
        if (data[0] % 2) {
            (void)llmap::readShard(path);
            return;
        }
        const auto project = llmap::Project::open(path);
        (void)project.texts().contentHash();
        (void)project.models();
        (void)project.scores();
        for (size_t row = 0; row < project.modelCount(); ++row) (void)project.tokenRow(row);
        for (const auto& name : project.resultNames()) (void)project.readResult(name);
        (void)project.clipThreshold();
        (void)project.provenance();
    });
    return 0;
}
