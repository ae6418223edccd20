#pragma once
// The lookup tables of ggml's IQ quantisation types, as llama.cpp's ggml-common.h defines them
// (generated into gguf_iq_grids.cpp by tests/oracle/gguf/generate_iq_grids.py). Row i of a grid
// holds its 8 (or 4) values in bytes 0..7 (0..3), little-endian; kIq1sGrid's bytes are int8.
#include <cstdint>

namespace llmap {

extern const uint64_t kIq2xxsGrid[256];
extern const uint64_t kIq2xsGrid[512];
extern const uint64_t kIq2sGrid[1024];
extern const uint32_t kIq3xxsGrid[256];
extern const uint32_t kIq3sGrid[512];
extern const uint64_t kIq1sGrid[2048];
// The 8 sign bits of 7 stored ones: bit 7 makes the count of set bits even.
extern const uint8_t kKsignsIq2xs[128];

}  // namespace llmap
