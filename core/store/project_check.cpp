#include "store/project_check.h"

#include <filesystem>

#include "store/hdf5_probe.h"
#include "store/project.h"

namespace llmap {

void requireProjectReadable(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) return;
    requireReadableInChild(
        path,
        [&] {
            // The open's own reads first, in its order: whether libhdf5's heap over-read crashes
            // depends on what it read before. Then every other string, for later reads.
            Project::open(path, false);
            readEveryString(path);
        },
        "restore the project from a backup, or rebuild it: merge its shards again, or import an "
        "exported score CSV");
}

}  // namespace llmap
