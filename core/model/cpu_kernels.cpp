#include "model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "model/cpu_vectors.h"
#include "model/half_float.h"

namespace llmap::kernels {

namespace {

// A storage type, read as float and rounded from float as libtorch rounds it.
struct Fp32 {
    using T = float;
    __attribute__((always_inline)) static Floats loadLanes(const float* p) {
        Floats v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
    static float load(float v) { return v; }
    static float store(float v) { return v; }
    static float round(float v) { return v; }
    __attribute__((always_inline)) static void storeLanes(float* p, Floats v) {
        std::memcpy(p, &v, sizeof v);
    }
    __attribute__((always_inline)) static Floats roundLanes(Floats v) { return v; }
};

struct Bf16 {
    using T = uint16_t;
    __attribute__((always_inline)) static Floats loadLanes(const uint16_t* p) {
        Halves h;
        std::memcpy(&h, p, sizeof h);
        const Ints bits = __builtin_convertvector(h, Ints) << 16;
        Floats v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    static float load(uint16_t v) { return bf16ToFloat(v); }
    // Round to nearest even, NaN to the quiet NaN, as c10::BFloat16 does.
    static uint16_t store(float f) { return floatToBf16(f); }
    static float round(float f) { return load(store(f)); }
    // floatToBf16 on sixteen lanes, the bfloat16 in the high half of each.
    __attribute__((always_inline)) static UInts roundedBits(Floats v) {
        UInts u;
        std::memcpy(&u, &v, sizeof u);
        const UInts rounded = (u + (((u >> 16) & 1u) + 0x7fffu)) & 0xffff0000u;
        return (u & 0x7fffffffu) > 0x7f800000u ? UInts{} + 0x7fc00000u : rounded;
    }
    __attribute__((always_inline)) static void storeLanes(uint16_t* p, Floats v) {
        const Halves h = __builtin_convertvector(roundedBits(v) >> 16, Halves);
        std::memcpy(p, &h, sizeof h);
    }
    __attribute__((always_inline)) static Floats roundLanes(Floats v) {
        const UInts bits = roundedBits(v);
        Floats out;
        std::memcpy(&out, &bits, sizeof out);
        return out;
    }
};

struct Fp16 {
    using T = c10::Half;
    __attribute__((always_inline)) static Floats loadLanes(const c10::Half* p) {
        Floats v;
        for (int64_t j = 0; j < kLanes; ++j) v[j] = static_cast<float>(p[j]);
        return v;
    }
    static float load(c10::Half v) { return static_cast<float>(v); }
    static c10::Half store(float f) { return c10::Half(f); }
    static float round(float f) { return load(store(f)); }
    __attribute__((always_inline)) static void storeLanes(c10::Half* p, Floats v) {
        for (int64_t j = 0; j < kLanes; ++j) p[j] = store(v[j]);
    }
    __attribute__((always_inline)) static Floats roundLanes(Floats v) {
        for (int64_t j = 0; j < kLanes; ++j) v[j] = round(v[j]);
        return v;
    }
};

// RMSNorm of rows first .. last - 1. With an addend, each row of x is first x + addend rounded to
// the dtype (as x.add_(addend) rounds it), written to sum (x itself when adding in place) and
// normalised from there.
template <class S>
__attribute__((always_inline)) inline void rmsRowsBody(
    const typename S::T* x, const typename S::T* addend, typename S::T* sum, const float* weight,
    typename S::T* out, int64_t first, int64_t last, int64_t D, float eps, bool castBeforeWeight) {
    for (int64_t r = first; r < last; ++r) {
        const typename S::T* xr = x + r * D;
        typename S::T* o = out + r * D;
        Floats squares = {};
        int64_t d = 0;
        float total = 0;
        if (addend) {
            const typename S::T* ar = addend + r * D;
            typename S::T* sr = sum + r * D;
            for (; d + kLanes <= D; d += kLanes) {
                const Floats v = S::roundLanes(S::loadLanes(xr + d) + S::loadLanes(ar + d));
                S::storeLanes(sr + d, v);
                squares += v * v;
            }
            total = laneSum(squares);
            for (; d < D; ++d) {
                sr[d] = S::store(S::load(xr[d]) + S::load(ar[d]));
                total += S::load(sr[d]) * S::load(sr[d]);
            }
            xr = sr;
        } else {
            for (; d + kLanes <= D; d += kLanes) {
                const Floats v = S::loadLanes(xr + d);
                squares += v * v;
            }
            total = laneSum(squares);
            for (; d < D; ++d) total += S::load(xr[d]) * S::load(xr[d]);
        }
        const float inverse = 1.0f / std::sqrt(total / static_cast<float>(D) + eps);
        d = 0;
        if (castBeforeWeight) {
            for (; d + kLanes <= D; d += kLanes)
                S::storeLanes(o + d, S::roundLanes(S::loadLanes(xr + d) * inverse) *
                                         Fp32::loadLanes(weight + d));
            for (; d < D; ++d) o[d] = S::store(S::round(S::load(xr[d]) * inverse) * weight[d]);
        } else {
            for (; d + kLanes <= D; d += kLanes)
                S::storeLanes(o + d, S::loadLanes(xr + d) * inverse * Fp32::loadLanes(weight + d));
            for (; d < D; ++d) o[d] = S::store(S::load(xr[d]) * inverse * weight[d]);
        }
    }
}

template <class S>
__attribute__((always_inline)) inline void rotaryRowsBody(
    const typename S::T* x, const typename S::T* cos, const typename S::T* sin, typename S::T* out,
    int64_t first, int64_t last, const int64_t* sizes, const int64_t* strides, int64_t R,
    bool tablePerText) {
    const int64_t H = sizes[1], T = sizes[2], D = sizes[3], half = R / 2;
    // Rows in the order (text, position, head): x is most often a view of a projection's output
    // [B, T, H, D], read then in memory order; the output is [B, H, T, D].
    for (int64_t row = first; row < last; ++row) {
        const int64_t h = row % H, t = (row / H) % T, b = row / (T * H);
        const typename S::T* xr = x + b * strides[0] + h * strides[1] + t * strides[2];
        const int64_t table = ((tablePerText ? b * T : 0) + t) * R;
        const typename S::T* c = cos + table;
        const typename S::T* s = sin + table;
        typename S::T* o = out + ((b * H + h) * T + t) * D;
        int64_t d = 0;
        for (; d + kLanes <= half; d += kLanes) {
            const Floats rotated = -S::loadLanes(xr + d + half);
            S::storeLanes(o + d, S::roundLanes(S::loadLanes(xr + d) * S::loadLanes(c + d)) +
                                     S::roundLanes(rotated * S::loadLanes(s + d)));
        }
        for (; d < half; ++d) {
            const float rotated = -S::load(xr[d + half]);
            o[d] = S::store(S::round(S::load(xr[d]) * S::load(c[d])) +
                            S::round(rotated * S::load(s[d])));
        }
        for (d = half; d + kLanes <= R; d += kLanes) {
            const Floats rotated = S::loadLanes(xr + d - half);
            S::storeLanes(o + d, S::roundLanes(S::loadLanes(xr + d) * S::loadLanes(c + d)) +
                                     S::roundLanes(rotated * S::loadLanes(s + d)));
        }
        for (; d < R; ++d) {
            const float rotated = S::load(xr[d - half]);
            o[d] = S::store(S::round(S::load(xr[d]) * S::load(c[d])) +
                            S::round(rotated * S::load(s[d])));
        }
        for (d = R; d < D; ++d) o[d] = xr[d];
    }
}

// One slice [first, first + W) of each row's logits into the row's running maximum and sum. The
// terms are summed sixteen per lane in float, then in double: a vocabulary of 10^5 terms summed in
// float alone would lose 1e-5 of the result.
template <class S>
__attribute__((always_inline)) inline void logSumExpSliceBody(const typename S::T* logits,
                                                              const int64_t* targets, float* maxes,
                                                              double* sums, float* picked,
                                                              int64_t firstRow, int64_t lastRow,
                                                              int64_t W, int64_t first) {
    for (int64_t r = firstRow; r < lastRow; ++r) {
        const typename S::T* z = logits + r * W;
        Floats tops = Floats{} - INFINITY;
        int64_t v = 0;
        for (; v + kLanes <= W; v += kLanes) {
            const Floats lanes = S::loadLanes(z + v);
            tops = tops < lanes ? lanes : tops;
        }
        float sliceMax = -INFINITY;
        for (int64_t j = 0; j < kLanes; ++j) sliceMax = sliceMax < tops[j] ? tops[j] : sliceMax;
        for (; v < W; ++v) sliceMax = std::max(sliceMax, S::load(z[v]));
        float m = maxes[r];
        double sum = sums[r];
        if (sliceMax > m) {
            if (sum > 0) sum *= std::exp(static_cast<double>(m) - static_cast<double>(sliceMax));
            m = sliceMax;
        }
        const int64_t t = targets[r] - first;
        if (t >= 0 && t < W) picked[r] = S::load(z[t]);
        maxes[r] = m;
        if (m == -INFINITY) continue;  // nothing above e^-inf yet
        Doubles blockSums = {};
        v = 0;
        while (v + kLanes <= W) {
            Floats block = {};
            for (int64_t k = 0; k < 16 && v + kLanes <= W; ++k, v += kLanes)
                block += expNonPositive<Floats, Ints>(S::loadLanes(z + v) - m);
            blockSums += __builtin_convertvector(block, Doubles);
        }
        for (int64_t j = 0; j < kLanes; ++j) sum += blockSums[j];
        for (; v < W; ++v) sum += expNonPositive<float, int32_t>(S::load(z[v]) - m);
        sums[r] = sum;
    }
}

// The activations as x * sigmoid(a(x)): a(x) = x for SiLU; for GELU with tanh,
// 0.5 * (1 + tanh(u)) = sigmoid(2u), which also keeps the precision that 1 + tanh(u) loses
// near -1. The sigmoid from e = e^-|a|: 1 / (1 + e) for a >= 0, e / (1 + e) below.
struct SiluAct {
    template <class V>
    __attribute__((always_inline)) static V argument(V x) {
        return x;
    }
};
struct GeluTanhAct {
    template <class V>
    __attribute__((always_inline)) static V argument(V x) {
        // 2 * sqrt(2 / pi) * (x + 0.044715 x^3)
        return (x + x * x * x * 0.044715f) * 1.5957691216057308f;
    }
};

template <class A, class V, class I>
__attribute__((always_inline)) inline V activated(V x) {
    const V a = A::argument(x);
    const V minusAbs = a < 0 ? a : -a;
    V e = expNonPositive<V, I>(minusAbs);
    e = minusAbs < -87.0f ? V{} : e;  // e^-|a| below the normal floats
    return x * ((a < 0 ? e : V{} + 1.0f) / (e + 1.0f));
}

// act(gate) in fp32, rounded to the dtype, then times up where there is one: row r of gate at
// gate + r * gateStride, of up at up + r * upStride, of the output at out + r * I.
template <class S, class A>
__attribute__((always_inline)) inline void activationRowsBody(
    const typename S::T* gate, int64_t gateStride, const typename S::T* up, int64_t upStride,
    typename S::T* out, int64_t first, int64_t last, int64_t I) {
    for (int64_t r = first; r < last; ++r) {
        const typename S::T* g = gate + r * gateStride;
        const typename S::T* u = up ? up + r * upStride : nullptr;
        typename S::T* o = out + r * I;
        int64_t i = 0;
        for (; i + kLanes <= I; i += kLanes) {
            const Floats act = activated<A, Floats, Ints>(S::loadLanes(g + i));
            S::storeLanes(o + i, u ? S::roundLanes(act) * S::loadLanes(u + i) : act);
        }
        for (; i < I; ++i) {
            const float act = activated<A, float, int32_t>(S::load(g[i]));
            o[i] = S::store(u ? S::round(act) * S::load(u[i]) : act);
        }
    }
}

#define LLMAP_ROW_KERNELS(S)                                                                     \
    LLMAP_KERNEL(rmsRows##S, rmsRowsBody<S>,                                                     \
                 (const S::T* x, const S::T* a, S::T* s, const float* w, S::T* o, int64_t first, \
                  int64_t last, int64_t D, float eps, bool cast),                                \
                 (x, a, s, w, o, first, last, D, eps, cast))                                     \
    LLMAP_KERNEL(                                                                                \
        rotaryRows##S, rotaryRowsBody<S>,                                                        \
        (const S::T* x, const S::T* c, const S::T* s, S::T* o, int64_t first, int64_t last,      \
         const int64_t* sizes, const int64_t* strides, int64_t R, bool perText),                 \
        (x, c, s, o, first, last, sizes, strides, R, perText))                                   \
    LLMAP_KERNEL(logSumExpSlice##S, logSumExpSliceBody<S>,                                       \
                 (const S::T* z, const int64_t* t, float* m, double* s, float* p, int64_t first, \
                  int64_t last, int64_t W, int64_t v),                                           \
                 (z, t, m, s, p, first, last, W, v))                                             \
    LLMAP_KERNEL(siluRows##S, (activationRowsBody<S, SiluAct>),                                  \
                 (const S::T* g, int64_t gs, const S::T* u, int64_t us, S::T* o, int64_t first,  \
                  int64_t last, int64_t I),                                                      \
                 (g, gs, u, us, o, first, last, I))                                              \
    LLMAP_KERNEL(geluTanhRows##S, (activationRowsBody<S, GeluTanhAct>),                          \
                 (const S::T* g, int64_t gs, const S::T* u, int64_t us, S::T* o, int64_t first,  \
                  int64_t last, int64_t I),                                                      \
                 (g, gs, u, us, o, first, last, I))

LLMAP_ROW_KERNELS(Fp32)
LLMAP_ROW_KERNELS(Bf16)
LLMAP_ROW_KERNELS(Fp16)

bool fusable(const at::Tensor& x) {
    const at::ScalarType t = x.scalar_type();
    return x.is_cpu() && (t == at::kFloat || t == at::kBFloat16 || t == at::kHalf);
}

// Rows per task: about 64 KB of input each.
int64_t grainRows(int64_t rowWidth) {
    return std::max<int64_t>(1, (int64_t(16) << 10) / std::max<int64_t>(1, rowWidth));
}

template <class S>
typename S::T* data(const at::Tensor& t) {
    return reinterpret_cast<typename S::T*>(t.data_ptr());
}

template <class S>
void runRms(const at::Tensor& x, const at::Tensor& addend, const std::vector<float>& weight,
            at::Tensor& out, float eps, bool cast) {
    const int64_t D = x.size(-1), rows = x.numel() / D;
    const typename S::T* xp = data<S>(x);
    const typename S::T* ap = addend.defined() ? data<S>(addend) : nullptr;
    typename S::T* sp = addend.defined() ? data<S>(x) : nullptr;
    typename S::T* op = data<S>(out);
    at::parallel_for(0, rows, grainRows(D), [&](int64_t first, int64_t last) {
        if constexpr (std::is_same_v<S, Fp32>)
            rmsRowsFp32(xp, ap, sp, weight.data(), op, first, last, D, eps, cast);
        if constexpr (std::is_same_v<S, Bf16>)
            rmsRowsBf16(xp, ap, sp, weight.data(), op, first, last, D, eps, cast);
        if constexpr (std::is_same_v<S, Fp16>)
            rmsRowsFp16(xp, ap, sp, weight.data(), op, first, last, D, eps, cast);
    });
}

template <class S>
void runRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, at::Tensor& out) {
    const int64_t sizes[4] = {x.size(0), x.size(1), x.size(2), x.size(3)};
    const int64_t strides[4] = {x.stride(0), x.stride(1), x.stride(2), x.stride(3)};
    const int64_t R = cos.size(-1), rows = sizes[0] * sizes[1] * sizes[2];
    const bool perText = cos.dim() == 4;
    const typename S::T *xp = data<S>(x), *cp = data<S>(cos), *sp = data<S>(sin);
    typename S::T* op = data<S>(out);
    at::parallel_for(0, rows, grainRows(sizes[3]), [&](int64_t first, int64_t last) {
        if constexpr (std::is_same_v<S, Fp32>)
            rotaryRowsFp32(xp, cp, sp, op, first, last, sizes, strides, R, perText);
        if constexpr (std::is_same_v<S, Bf16>)
            rotaryRowsBf16(xp, cp, sp, op, first, last, sizes, strides, R, perText);
        if constexpr (std::is_same_v<S, Fp16>)
            rotaryRowsFp16(xp, cp, sp, op, first, last, sizes, strides, R, perText);
    });
}

template <class S>
void runLogSumExpSlice(const at::Tensor& logits, const int64_t* targets, float* maxes, double* sums,
                       float* picked, int64_t first) {
    const int64_t N = logits.size(0), W = logits.size(1);
    const typename S::T* zp = data<S>(logits);
    at::parallel_for(0, N, 1, [&](int64_t a, int64_t b) {
        if constexpr (std::is_same_v<S, Fp32>)
            logSumExpSliceFp32(zp, targets, maxes, sums, picked, a, b, W, first);
        if constexpr (std::is_same_v<S, Bf16>)
            logSumExpSliceBf16(zp, targets, maxes, sums, picked, a, b, W, first);
        if constexpr (std::is_same_v<S, Fp16>)
            logSumExpSliceFp16(zp, targets, maxes, sums, picked, a, b, W, first);
    });
}

// The row stride of t seen as [rows, t.size(-1)], or 0 where it cannot be seen so.
int64_t rowStride(const at::Tensor& t) {
    if (t.dim() == 0 || t.stride(-1) != 1) return 0;
    if (t.dim() == 1) return t.size(0);
    const int64_t stride = t.stride(-2);
    int64_t expected = stride;
    for (int64_t d = t.dim() - 2; d >= 0; --d) {
        if (t.size(d) != 1 && t.stride(d) != expected) return 0;
        expected *= t.size(d);
    }
    return stride >= t.size(-1) ? stride : 0;
}

template <class S>
void runActivation(Act act, const at::Tensor& gate, const at::Tensor& up, at::Tensor& out) {
    const int64_t I = out.size(-1), rows = out.numel() / std::max<int64_t>(1, I);
    const typename S::T* gp = data<S>(gate);
    const typename S::T* up_ = up.defined() ? data<S>(up) : nullptr;
    const int64_t gs = rowStride(gate), us = up.defined() ? rowStride(up) : 0;
    typename S::T* op = data<S>(out);
    at::parallel_for(0, rows, grainRows(I), [&](int64_t first, int64_t last) {
        const bool silu = act == Act::SiLU;
        if constexpr (std::is_same_v<S, Fp32>) {
            if (silu) return siluRowsFp32(gp, gs, up_, us, op, first, last, I);
            geluTanhRowsFp32(gp, gs, up_, us, op, first, last, I);
        }
        if constexpr (std::is_same_v<S, Bf16>) {
            if (silu) return siluRowsBf16(gp, gs, up_, us, op, first, last, I);
            geluTanhRowsBf16(gp, gs, up_, us, op, first, last, I);
        }
        if constexpr (std::is_same_v<S, Fp16>) {
            if (silu) return siluRowsFp16(gp, gs, up_, us, op, first, last, I);
            geluTanhRowsFp16(gp, gs, up_, us, op, first, last, I);
        }
    });
}

at::Tensor runActivation(Act act, const at::Tensor& gate, const at::Tensor& up) {
    RECORD_USER_SCOPE("llmap::activation");
    at::Tensor out = at::empty(gate.sizes(), gate.options());
    switch (gate.scalar_type()) {
        case at::kFloat:
            runActivation<Fp32>(act, gate, up, out);
            break;
        case at::kBFloat16:
            runActivation<Bf16>(act, gate, up, out);
            break;
        default:
            runActivation<Fp16>(act, gate, up, out);
            break;
    }
    return out;
}

}  // namespace

at::Tensor activation(const at::Tensor& x, Act act) {
    if (!fusable(x) || x.numel() == 0 || rowStride(x) == 0) return {};
    return runActivation(act, x, at::Tensor());
}

at::Tensor gatedActivation(const at::Tensor& gate, const at::Tensor& up, Act act) {
    if (!fusable(gate) || !up.defined() || up.scalar_type() != gate.scalar_type() || !up.is_cpu() ||
        up.sizes() != gate.sizes() || gate.numel() == 0 || rowStride(gate) == 0 ||
        rowStride(up) == 0) {
        return {};
    }
    return runActivation(act, gate, up);
}

SlicedTargetLogSoftmax::SlicedTargetLogSoftmax(const at::Tensor& targets)
    : targets_(targets.to(at::kLong).contiguous()),
      max_(static_cast<size_t>(targets.numel()), -INFINITY),
      target_(static_cast<size_t>(targets.numel()), NAN),
      sum_(static_cast<size_t>(targets.numel()), 0.0) {}

bool SlicedTargetLogSoftmax::takes(at::ScalarType dtype) {
    return dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf;
}

void SlicedTargetLogSoftmax::add(const at::Tensor& logits, int64_t first) {
    TORCH_CHECK(logits.is_cpu() && takes(logits.scalar_type()) && logits.dim() == 2 &&
                    logits.is_contiguous() && logits.size(0) == targets_.numel(),
                "SlicedTargetLogSoftmax: logits must be [rows, width], contiguous, on the CPU");
    RECORD_USER_SCOPE("llmap::head_logsumexp");
    const int64_t* t = targets_.data_ptr<int64_t>();
    switch (logits.scalar_type()) {
        case at::kFloat:
            runLogSumExpSlice<Fp32>(logits, t, max_.data(), sum_.data(), target_.data(), first);
            break;
        case at::kBFloat16:
            runLogSumExpSlice<Bf16>(logits, t, max_.data(), sum_.data(), target_.data(), first);
            break;
        default:
            runLogSumExpSlice<Fp16>(logits, t, max_.data(), sum_.data(), target_.data(), first);
            break;
    }
}

at::Tensor SlicedTargetLogSoftmax::result() const {
    at::Tensor out = at::empty({static_cast<int64_t>(max_.size())}, at::kFloat);
    float* o = out.data_ptr<float>();
    for (size_t r = 0; r < max_.size(); ++r)
        o[r] = static_cast<float>((target_[r] - max_[r]) - std::log(sum_[r]));
    return out;
}

namespace {

bool rmsWeightFits(const at::Tensor& x, const at::Tensor& weight) {
    return fusable(x) && weight.defined() && weight.scalar_type() == x.scalar_type() &&
           weight.dim() == 1 && weight.size(0) == x.size(-1) && x.numel() > 0;
}

// x (contiguous) normalised into a new tensor; with an addend, x += addend first, in place.
at::Tensor runRmsNorm(const at::Tensor& x, const at::Tensor& addend, const at::Tensor& weight,
                      double eps, RmsWeight how) {
    RECORD_USER_SCOPE("llmap::norm");
    const at::Tensor w = weight.to(at::kFloat).contiguous();
    std::vector<float> wf(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    if (how == RmsWeight::PlusOneInFp32) {
        for (float& v : wf) v += 1.0f;
    }
    at::Tensor out = at::empty_like(x);
    const bool cast = how == RmsWeight::AfterCast;
    const auto e = static_cast<float>(eps);
    switch (x.scalar_type()) {
        case at::kFloat:
            runRms<Fp32>(x, addend, wf, out, e, cast);
            break;
        case at::kBFloat16:
            runRms<Bf16>(x, addend, wf, out, e, cast);
            break;
        default:
            runRms<Fp16>(x, addend, wf, out, e, cast);
            break;
    }
    return out;
}

}  // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsWeight how) {
    if (!rmsWeightFits(x, weight)) return {};
    return runRmsNorm(x.contiguous(), at::Tensor(), weight, eps, how);
}

at::Tensor addRmsNorm(const at::Tensor& x, const at::Tensor& addend, const at::Tensor& weight,
                      double eps, RmsWeight how) {
    if (!rmsWeightFits(x, weight) || !x.is_contiguous() || !addend.defined() ||
        addend.scalar_type() != x.scalar_type() || !addend.is_cpu() ||
        addend.sizes() != x.sizes() || !addend.is_contiguous() || addend.is_alias_of(x)) {
        return {};
    }
    return runRmsNorm(x, addend, weight, eps, how);
}

at::Tensor rotaryHalf(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    if (!fusable(x) || x.dim() != 4 || x.stride(3) != 1 || cos.scalar_type() != x.scalar_type() ||
        sin.scalar_type() != x.scalar_type() || !cos.is_contiguous() || !sin.is_contiguous() ||
        cos.sizes() != sin.sizes() || cos.size(-1) % 2 != 0 || cos.size(-1) > x.size(3) ||
        cos.size(-2) != x.size(2)) {
        return {};
    }
    const bool shared = cos.dim() == 2;
    const bool perText = cos.dim() == 4 && cos.size(0) == x.size(0) && cos.size(1) == 1;
    if (!shared && !perText) return {};
    RECORD_USER_SCOPE("llmap::rotary");
    at::Tensor out = at::empty(x.sizes(), x.options());
    switch (x.scalar_type()) {
        case at::kFloat:
            runRotary<Fp32>(x, cos, sin, out);
            break;
        case at::kBFloat16:
            runRotary<Bf16>(x, cos, sin, out);
            break;
        default:
            runRotary<Fp16>(x, cos, sin, out);
            break;
    }
    return out;
}

}  // namespace llmap::kernels
