#pragma once
// The ggml tensor types a GGUF file may store and their dequantisation to fp32, bit for bit as
// ggml's reference dequantize_row_* (and the gguf Python package's quants.py) define them.
#include <cstdint>
#include <string>

namespace llmap {

struct GgmlType {
    uint32_t id = 0;
    const char* name = "";
    int64_t blockElements = 1;  // values per block
    int64_t blockBytes = 4;     // bytes per block
    bool supported = false;     // dequantisable here
};

// nullptr for an id ggml does not define.
const GgmlType* ggmlType(uint32_t id);

// "Q4_K" for 12, "type 99" for an unknown id.
std::string ggmlTypeName(uint32_t id);

// Every type dequantize() accepts, for messages.
std::string supportedGgmlTypes();

// Bytes of `elements` values (a whole number of blocks: the caller checks divisibility).
uint64_t ggmlBytes(const GgmlType& type, uint64_t elements);

// Writes `elements` fp32 values (a multiple of the block size) decoded from `src`.
void dequantize(const GgmlType& type, const unsigned char* src, float* dst, int64_t elements);

float halfToFloat(uint16_t h);

}  // namespace llmap
