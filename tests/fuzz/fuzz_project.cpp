// The project file and the shard reader, as LLMap's commands and window use them: the input is the
// bytes of an HDF5 file; the first byte picks the reader; everything a project holds is read back.
// As in the program, a forked copy reads the file first: libhdf5 1.10.8 itself crashes or spins on
// some damaged files (hdf5-findings/), and such a file is refused there. Only a file the copy
// survived is read in this process, where any crash, sanitizer report or hang is a finding.
#include "fuzz_support.h"
#include "score/shard.h"
#include "store/hdf5_probe.h"
#include "store/project.h"
#include "util/child_process.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define LLMAP_FUZZ_ASAN 1
#endif
#endif

namespace {

void readEverything(const std::string& path, bool shard) {
    if (shard) {
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
}

// The program's own limit is 60 s; a few seconds tell a spin from a slow read of a small input.
constexpr double kChildSeconds = 5.0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool shard = data[0] % 2;
    const std::string path =
        llmap::fuzz::writeScratch("project.h5", llmap::fuzz::asView(data + 1, size - 1));
    const auto failure = llmap::failureInChild(
        [&] {
#ifdef LLMAP_FUZZ_ASAN
            // A crash of the copy is the expected refusal, not a finding to be saved by libFuzzer.
            __sanitizer_set_death_callback(nullptr);
#endif
            readEverything(path, shard);
            llmap::readEveryString(path);
        },
        kChildSeconds);
    if (failure) return 0;  // refused: "the file is damaged: libhdf5 crashed while reading it"
    llmap::fuzz::expectCleanOutcome([&] { readEverything(path, shard); });
    return 0;
}
