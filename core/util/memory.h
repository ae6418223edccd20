#pragma once
// How much memory this process can still take before the kernel's OOM killer, a container's limit
// or `ulimit -v` stops it, so that work too large for the machine is refused with a message
// before it starts instead of being killed halfway.
#include <cstdint>
#include <string>

#include "util/error.h"

namespace llmap {

struct AvailableMemory {
    int64_t bytes = -1;  // -1: unknown, then nothing is refused
    std::string source;  // what limits it, e.g. "MemAvailable in /proc/meminfo"
};

// The smallest of: the system's available memory (MemAvailable), the room left under this
// process's cgroup memory limits (v2 memory.max, v1 memory.limit_in_bytes), and the room left
// under its address-space limit (RLIMIT_AS, `ulimit -v`).
AvailableMemory availableMemory();

// MemoryError "<what> needs about X of memory and only Y is available (source)" when `bytes`
// exceeds what is available; `where` names the file or model.
void requireMemory(int64_t bytes, const std::string& what, const std::string& where);

// For what grows item by item while a file is read (texts, rows): every `every` items, checks that
// at least `reserve` bytes are still available, and throws MemoryError naming `what`, `where` and
// how far it got otherwise, long before the kernel's OOM killer would stop the process.
class MemoryWatch {
public:
    // unit: what an item is, for the message ("texts", "rows").
    MemoryWatch(std::string what, std::string where, std::string unit, int64_t every = 65536,
                int64_t reserve = int64_t(256) << 20);
    void tick();

private:
    std::string what_, where_, unit_;
    int64_t every_, reserve_, count_ = 0;
};

// "1.3 GB", "820 MB": for messages.
std::string formatBytes(int64_t bytes);

}  // namespace llmap
