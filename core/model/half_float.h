#pragma once
// bfloat16 and IEEE float16 to and from float32, bit for bit as torch converts them: widening is
// exact, narrowing rounds to nearest, ties to even (NaN stays NaN). The float16 conversions are
// those of the FP16 library that torch uses (c10/util/Half.h).
#include <cstdint>
#include <cstring>

namespace llmap {

inline uint32_t floatBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

inline float bitsFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

inline float bf16ToFloat(uint16_t h) {
    return bitsFloat(static_cast<uint32_t>(h) << 16);
}

inline uint16_t floatToBf16(float f) {
    const uint32_t u = floatBits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN, as torch's round_to_nearest_even
    const uint32_t bias = ((u >> 16) & 1u) + 0x7fffu;
    return static_cast<uint16_t>((u + bias) >> 16);
}

inline float f16ToFloat(uint16_t h) {
    const uint32_t w = static_cast<uint32_t>(h) << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t twoW = w + w;
    const float normalized = bitsFloat((twoW >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = bitsFloat((twoW >> 17) | (126u << 23)) - 0.5f;
    const uint32_t magnitude = twoW < (1u << 27) ? floatBits(denormalized) : floatBits(normalized);
    return bitsFloat(sign | magnitude);
}

inline uint16_t floatToF16(float f) {
    float base = (__builtin_fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    const uint32_t w = floatBits(f);
    const uint32_t shl1W = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1W & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = bitsFloat((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = floatBits(base);
    const uint32_t expBits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissaBits = bits & 0x00000FFFu;
    const uint32_t nonsign = expBits + mantissaBits;
    return static_cast<uint16_t>((sign >> 16) | (shl1W > 0xFF000000u ? 0x7E00u : nonsign));
}

}  // namespace llmap
