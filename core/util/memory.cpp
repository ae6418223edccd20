#include "util/memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

namespace llmap {
namespace {

// The value of `key` ("MemAvailable:") in a /proc file of "key value kB" lines, in bytes; -1 if
// absent.
int64_t procKilobytes(const char* file, const std::string& key) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size(), key) != 0) continue;
        std::istringstream fields(line.substr(key.size()));
        int64_t kb = -1;
        fields >> kb;
        return kb < 0 ? -1 : kb * 1024;
    }
    return -1;
}

// A file holding one number ("max" or absent: -1).
int64_t readNumber(const std::string& file) {
    std::ifstream in(file);
    std::string text;
    if (!(in >> text) || text == "max") return -1;
    try {
        return std::stoll(text);
    } catch (const std::exception&) {
        return -1;
    }
}

// "key value" lines (cgroup memory.stat): the value of `key`, 0 if absent.
int64_t statValue(const std::string& file, const std::string& key) {
    std::ifstream in(file);
    std::string name;
    int64_t value = 0;
    while (in >> name >> value) {
        if (name == key) return value;
    }
    return 0;
}

void takeSmaller(AvailableMemory& a, int64_t bytes, const std::string& source) {
    if (bytes < 0) return;
    if (a.bytes < 0 || bytes < a.bytes) a = {bytes, source};
}

// cgroup v2: every level from this process's group up to the root may carry a memory.max.
void cgroupV2(AvailableMemory& a) {
    std::ifstream in("/proc/self/cgroup");
    std::string line, path;
    while (std::getline(in, line)) {
        if (line.rfind("0::", 0) == 0) path = line.substr(3);
    }
    if (path.empty()) return;
    for (;;) {
        const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
        const int64_t max = readNumber(dir + "/memory.max");
        const int64_t current = readNumber(dir + "/memory.current");
        if (max >= 0 && current >= 0) {
            // The group's usage counts the page cache; its inactive part is reclaimed first.
            const int64_t used = current - statValue(dir + "/memory.stat", "inactive_file");
            takeSmaller(a, std::max<int64_t>(0, max - used),
                        "the cgroup limit " + dir + "/memory.max");
        }
        if (path == "/" || path.empty()) break;
        const auto slash = path.find_last_of('/');
        path = slash == 0 ? "/" : path.substr(0, slash);
    }
}

void cgroupV1(AvailableMemory& a) {
    const std::string dir = "/sys/fs/cgroup/memory";
    const int64_t limit = readNumber(dir + "/memory.limit_in_bytes");
    const int64_t usage = readNumber(dir + "/memory.usage_in_bytes");
    // An unlimited v1 group reports a number near 2^63.
    if (limit >= 0 && usage >= 0 && limit < (int64_t(1) << 60)) {
        const int64_t used = usage - statValue(dir + "/memory.stat", "total_inactive_file");
        takeSmaller(a, std::max<int64_t>(0, limit - used), "the cgroup limit " + dir);
    }
}

void addressSpace(AvailableMemory& a) {
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const int64_t used = procKilobytes("/proc/self/status", "VmSize:");
    if (used < 0) return;
    takeSmaller(a, std::max<int64_t>(0, static_cast<int64_t>(limit.rlim_cur) - used),
                "the address-space limit set by ulimit -v");
}

}  // namespace

AvailableMemory availableMemory() {
    AvailableMemory a;
    takeSmaller(a, procKilobytes("/proc/meminfo", "MemAvailable:"),
                "MemAvailable in /proc/meminfo");
    cgroupV2(a);
    cgroupV1(a);
    addressSpace(a);
    return a;
}

void requireMemory(int64_t bytes, const std::string& what, const std::string& where) {
    const AvailableMemory a = availableMemory();
    if (a.bytes < 0 || bytes <= a.bytes) return;
    throw MemoryError(what + " needs about " + formatBytes(bytes) + " of memory but only " +
                          formatBytes(a.bytes) + " is free, going by " + a.source,
                      where, "close other programs, or use a machine with more memory");
}

MemoryWatch::MemoryWatch(std::string what, std::string where, std::string unit, int64_t every,
                         int64_t reserve)
    : what_(std::move(what)),
      where_(std::move(where)),
      unit_(std::move(unit)),
      every_(every),
      reserve_(reserve) {}

void MemoryWatch::tick() {
    if (++count_ % every_ != 0) return;
    const AvailableMemory a = availableMemory();
    if (a.bytes < 0 || a.bytes >= reserve_) return;
    throw MemoryError(what_ + ": memory ran low after " + std::to_string(count_) + " " + unit_ +
                          ", " + formatBytes(a.bytes) + " left going by " + a.source,
                      where_,
                      "close other programs, split the input, or use a machine with more memory");
}

std::string formatBytes(int64_t bytes) {
    const double b = static_cast<double>(bytes);
    char text[32];
    if (b >= 1e9) {
        std::snprintf(text, sizeof text, "%.1f GB", b / 1e9);
    } else {
        std::snprintf(text, sizeof text, "%.0f MB", std::ceil(b / 1e6));
    }
    return text;
}

}  // namespace llmap
