#pragma once
// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw data. Parsed here without touching the data.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llmap {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool, F8E4M3, F8E5M2 };

const char* stDtypeName(StDtype dtype);
size_t stDtypeSize(StDtype dtype);

struct TensorEntry {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets relative to the start of the data section
    uint64_t end = 0;
    int64_t elements() const;
};

struct SafetensorsHeader {
    std::map<std::string, TensorEntry> tensors;
    std::map<std::string, std::string> metadata;
    uint64_t dataOffset = 0;  // 8 + header length: where the data section starts in the file
    uint64_t dataSize = 0;    // bytes after the header
    std::string headerJson;   // the header as stored (hashed for the model identity)
};

// Largest header accepted; real ones are a few hundred kB.
constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;

// Parses `headerJson` (the bytes after the 8-byte prefix) for a file of `fileSize` bytes whose
// header length field said `headerLength`. Checks dtypes, shapes against byte ranges, offsets
// inside the file and no overlaps. Throws InputError naming `where`.
SafetensorsHeader parseSafetensorsHeader(std::string_view headerJson, uint64_t headerLength,
                                         uint64_t fileSize, const std::string& where);

// Reads and parses only the header of the file at `path`.
SafetensorsHeader readSafetensorsHeader(const std::string& path);

}  // namespace llmap
