#pragma once
// What the CPU kernels share: sixteen-lane float vectors, e^x on them, and the choice of
// instruction set at run time (LLMAP_KERNEL).
#include <cstdint>
#include <cstring>

namespace llmap::kernels {

// Sixteen lanes, written with GCC's vector extensions: the reductions below (sums, maxima) are
// vectorised as written, which the compiler may not do for a loop without -ffast-math.
typedef float Floats __attribute__((vector_size(64)));
typedef int32_t Ints __attribute__((vector_size(64)));
typedef uint32_t UInts __attribute__((vector_size(64)));
typedef uint16_t Halves __attribute__((vector_size(32)));
typedef double Doubles __attribute__((vector_size(128)));
constexpr int64_t kLanes = 16;

__attribute__((always_inline)) inline float laneSum(Floats v) {
    float sum = 0;
    for (int64_t j = 0; j < kLanes; ++j) sum += v[j];
    return sum;
}

// e^x for x <= 0 as 2^n * 2^f, with 2^f (|f| <= 1/2) from its Taylor polynomial of degree 7
// (relative error below 1e-8); n is rounded with the 1.5 * 2^23 trick. Below -87 (where e^x leaves
// the normal floats) it gives e^-87, which no sum of a row that holds e^0 can see.
template <class V, class I>
__attribute__((always_inline)) inline V expNonPositive(V x) {
    const V low = V{} - 87.0f;
    x = x < low ? low : x;
    const V t = x * 1.44269504088896341f;
    const V shifted = t + 12582912.0f;
    const V n = shifted - 12582912.0f;
    const V f = (t - n) * 0.693147180559945309f;
    V p = f * (1.0f / 5040) + 1.0f / 720;
    p = p * f + 1.0f / 120;
    p = p * f + 1.0f / 24;
    p = p * f + 1.0f / 6;
    p = p * f + 0.5f;
    p = p * f + 1.0f;
    p = p * f + 1.0f;
    I bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4B400000 + 127) << 23;  // the rounded n, biased, in the exponent field
    V scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// Each row kernel is compiled three times, for AVX-512, AVX2 and the base instruction set, and the
// first call picks the widest the CPU has (as neighbours.cpp does; not with ifunc resolvers, which
// run before a sanitizer's runtime is up). One binary runs on any x86-64 at its best width.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
enum class Isa { Avx512, Avx2, Base };
inline Isa isa() {
    static const Isa best = __builtin_cpu_supports("avx512f") ? Isa::Avx512
                            : __builtin_cpu_supports("avx2")  ? Isa::Avx2
                                                              : Isa::Base;
    return best;
}
#define LLMAP_KERNEL(NAME, BODY, PARAMS, ARGS)                    \
    __attribute__((target("avx512f"))) void NAME##Avx512 PARAMS { \
        BODY ARGS;                                                \
    }                                                             \
    __attribute__((target("avx2"))) void NAME##Avx2 PARAMS {      \
        BODY ARGS;                                                \
    }                                                             \
    void NAME##Base PARAMS {                                      \
        BODY ARGS;                                                \
    }                                                             \
    void NAME PARAMS {                                            \
        switch (isa()) {                                          \
            case Isa::Avx512:                                     \
                return NAME##Avx512 ARGS;                         \
            case Isa::Avx2:                                       \
                return NAME##Avx2 ARGS;                           \
            default:                                              \
                return NAME##Base ARGS;                           \
        }                                                         \
    }
#else
#define LLMAP_KERNEL(NAME, BODY, PARAMS, ARGS) \
    void NAME PARAMS {                         \
        BODY ARGS;                             \
    }
#endif

}  // namespace llmap::kernels
