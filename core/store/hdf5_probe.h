#pragma once
// A damaged HDF5 file can crash libhdf5 1.10 (a read past its global heap) or send it into an
// endless loop when it converts variable-length strings. Reading the file in a forked copy of the
// program first turns that into a message. Whether the over-read crashes depends on what was read
// before, so the copy makes the caller's own reads first, in the same order.
#include <functional>
#include <string>

namespace llmap {

// Reads every variable-length string of the file that can be reached, in datasets (in blocks) and
// attributes. Parts libhdf5 reports as damaged are skipped: the caller's own read reports them.
void readEveryString(const std::string& path);

// Runs `read` (a read of the HDF5 file at `path`) in a forked copy first and throws InputError
// naming `path` when libhdf5 crashes or hangs there. Only for callers with no other thread inside
// libhdf5 (the command-line tool).
void requireReadableInChild(const std::string& path, const std::function<void()>& read,
                            const std::string& fix);

}  // namespace llmap
