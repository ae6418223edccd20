#pragma once
// Whole-file input and output that understands gzip, so text sets and corpora can ship compressed.
#include <string>

namespace llmap {

// The file's bytes; a gzip file (recognised by its magic bytes, whatever its name) is decompressed,
// concatenated gzip members included. Throws InputError when the file cannot be read or the
// compressed stream is damaged.
std::string readInputFile(const std::string& path);

// gzip (deflate level 9, no file name, modification time 0): the same bytes give the same file.
std::string gzipCompress(const std::string& bytes);

// True when `path` ends in ".gz".
bool hasGzipSuffix(const std::string& path);

}  // namespace llmap
