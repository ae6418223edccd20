#pragma once
// Whole-file reads; gzip-compressed files (.gz) are decompressed on the fly.
#include <string>

namespace llmap {

// Throws InputError naming the file when it cannot be read or its compression is damaged.
std::string readFileBytes(const std::string& path);
bool isGzipPath(const std::string& path);

}  // namespace llmap
