#include "model/cpu_attention.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "model/cpu_features.h"
#include "model/cpu_vectors.h"

namespace llmap::kernels {

namespace {

constexpr int64_t kQueryBlock = 64;  // query rows per task
constexpr int64_t kKeyBlock = 256;   // keys per step of the online softmax
constexpr int64_t kKeyTile = 64;     // keys per register tile: four vectors
constexpr int64_t kTileRows = 4;     // query rows per register tile

// One call's tensors: q [B, H, T, D] and v [B, Hkv, T, D] by their strides, the keys transposed
// per head [B * Hkv, D, Tp] (Tp: T rounded up to kKeyTile, zeros beyond T), out [B, T, H, D].
struct Job {
    const float* q;
    int64_t qStride[3];
    const float* keysT;
    const float* v;
    int64_t vStride[3];
    float* out;
    int64_t H, kvHeads, T, D, Tp, blocks;
    float scale;
};

__attribute__((always_inline)) inline Floats loadFloats(const float* p) {
    Floats v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

__attribute__((always_inline)) inline void storeFloats(float* p, Floats v) {
    std::memcpy(p, &v, sizeof v);
}

// scores[r][j] = q_r · k_j for R query rows and the kKeyTile keys from `keys` (a column of the
// transposed keys, rows kStride apart).
template <int R>
__attribute__((always_inline)) inline void scoreTile(const float* const* q, const float* keys,
                                                     int64_t kStride, int64_t D, float* scores,
                                                     int64_t sStride) {
    Floats acc[R][4] = {};
    for (int64_t d = 0; d < D; ++d) {
        const float* kd = keys + d * kStride;
        const Floats k0 = loadFloats(kd), k1 = loadFloats(kd + 16), k2 = loadFloats(kd + 32),
                     k3 = loadFloats(kd + 48);
        for (int r = 0; r < R; ++r) {
            // A scalar times a vector: a broadcast (Floats{} + x would add a zero first).
            const float qd = q[r][d];
            acc[r][0] += qd * k0;
            acc[r][1] += qd * k1;
            acc[r][2] += qd * k2;
            acc[r][3] += qd * k3;
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < 4; ++c) storeFloats(scores + r * sStride + c * kLanes, acc[r][c]);
    }
}

// out[r] += Σ_j p[r][j] v_j over `count` keys, on NV vectors of channels.
template <int R, int NV>
__attribute__((always_inline)) inline void addValues(const float* p, int64_t pStride,
                                                     const float* v, int64_t vStride, int64_t count,
                                                     float* out, int64_t oStride) {
    Floats acc[R][NV];
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < NV; ++c) acc[r][c] = loadFloats(out + r * oStride + c * kLanes);
    }
    for (int64_t j = 0; j < count; ++j) {
        Floats vj[NV];
        for (int c = 0; c < NV; ++c) vj[c] = loadFloats(v + j * vStride + c * kLanes);
        for (int r = 0; r < R; ++r) {
            const float pj = p[r * pStride + j];
            for (int c = 0; c < NV; ++c) acc[r][c] += pj * vj[c];
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < NV; ++c) storeFloats(out + r * oStride + c * kLanes, acc[r][c]);
    }
}

template <int R>
__attribute__((always_inline)) inline void addValueRows(const float* p, int64_t pStride,
                                                        const float* v, int64_t vStride,
                                                        int64_t count, float* out, int64_t D) {
    int64_t d = 0;
    for (; d + 4 * kLanes <= D; d += 4 * kLanes)
        addValues<R, 4>(p, pStride, v + d, vStride, count, out + d, D);
    if (d + 2 * kLanes <= D) {
        addValues<R, 2>(p, pStride, v + d, vStride, count, out + d, D);
        d += 2 * kLanes;
    }
    if (d < D) addValues<R, 1>(p, pStride, v + d, vStride, count, out + d, D);
}

// Tasks first .. last - 1, each kQueryBlock queries of one head of one text. scratch: the block's
// scores [kQueryBlock, kKeyBlock], outputs [kQueryBlock, D], running maxima and sums.
__attribute__((always_inline)) inline void attentionTasksBody(const Job* job, float* scratch,
                                                              int64_t first, int64_t last) {
    const int64_t D = job->D, T = job->T, H = job->H;
    float* scores = scratch;
    float* acc = scores + kQueryBlock * kKeyBlock;
    float* maxes = acc + kQueryBlock * D;
    float* sums = maxes + kQueryBlock;
    const float lowest = -std::numeric_limits<float>::infinity();
    Ints lane;
    for (int64_t j = 0; j < kLanes; ++j) lane[j] = static_cast<int32_t>(j);
    for (int64_t task = first; task < last; ++task) {
        const int64_t block = task % job->blocks, h = (task / job->blocks) % H;
        const int64_t b = task / (job->blocks * H);
        const int64_t kvHead = h / (H / job->kvHeads);
        const int64_t i0 = block * kQueryBlock, rows = std::min(kQueryBlock, T - i0);
        const float* qHead = job->q + b * job->qStride[0] + h * job->qStride[1];
        const float* kHead = job->keysT + (b * job->kvHeads + kvHead) * D * job->Tp;
        const float* vHead = job->v + b * job->vStride[0] + kvHead * job->vStride[1];
        std::fill(acc, acc + rows * D, 0.0f);
        std::fill(maxes, maxes + rows, lowest);
        std::fill(sums, sums + rows, 0.0f);
        const int64_t keyEnd = i0 + rows;  // causal: no query of the block sees a later key
        for (int64_t j0 = 0; j0 < keyEnd; j0 += kKeyBlock) {
            const int64_t width = std::min(kKeyBlock, keyEnd - j0);
            const int64_t tiles = (width + kKeyTile - 1) / kKeyTile;
            int64_t r = 0;
            for (; r < rows; r += kTileRows) {
                const int64_t tileRows = std::min(kTileRows, rows - r);
                const float* q[kTileRows];
                for (int64_t k = 0; k < kTileRows; ++k)
                    q[k] = qHead + (i0 + r + std::min(k, tileRows - 1)) * job->qStride[2];
                for (int64_t t = 0; t < tiles; ++t) {
                    const float* keys = kHead + j0 + t * kKeyTile;
                    float* s = scores + r * kKeyBlock + t * kKeyTile;
                    if (tileRows == kTileRows) {
                        scoreTile<4>(q, keys, job->Tp, D, s, kKeyBlock);
                    } else {
                        for (int64_t k = 0; k < tileRows; ++k)
                            scoreTile<1>(q + k, keys, job->Tp, D, s + k * kKeyBlock, kKeyBlock);
                    }
                }
            }
            // The online softmax: each row's new maximum, its probabilities (zero beyond the
            // row's own position), and the earlier sums and outputs rescaled.
            for (r = 0; r < rows; ++r) {
                const int64_t valid = std::min(width, i0 + r - j0 + 1);
                const auto validLanes = static_cast<int32_t>(valid);
                float* s = scores + r * kKeyBlock;
                Floats top = Floats{} + lowest;
                for (int64_t j = 0; j < tiles * kKeyTile; j += kLanes) {
                    const Floats x = loadFloats(s + j) * job->scale;
                    const Floats masked = (lane + static_cast<int32_t>(j)) < validLanes ? x : top;
                    top = masked > top ? masked : top;
                    storeFloats(s + j, x);
                }
                float rowMax = lowest;
                for (int64_t j = 0; j < kLanes; ++j) rowMax = std::max(rowMax, top[j]);
                const float newMax = std::max(maxes[r], rowMax);
                Floats total = {};
                for (int64_t j = 0; j < tiles * kKeyTile; j += kLanes) {
                    const Floats e = expNonPositive<Floats, Ints>(loadFloats(s + j) - newMax);
                    const Floats p = (lane + static_cast<int32_t>(j)) < validLanes ? e : Floats{};
                    total += p;
                    storeFloats(s + j, p);
                }
                const float rescale =
                    maxes[r] == lowest ? 0.0f : expNonPositive<float, int32_t>(maxes[r] - newMax);
                sums[r] = sums[r] * rescale + laneSum(total);
                maxes[r] = newMax;
                if (rescale != 1.0f) {
                    float* o = acc + r * D;
                    for (int64_t d = 0; d < D; ++d) o[d] *= rescale;
                }
            }
            const float* vBlock = vHead + j0 * job->vStride[2];
            for (r = 0; r + kTileRows <= rows; r += kTileRows) {
                const int64_t count = std::min(width, i0 + r + kTileRows - j0);
                addValueRows<4>(scores + r * kKeyBlock, kKeyBlock, vBlock, job->vStride[2], count,
                                acc + r * D, D);
            }
            for (; r < rows; ++r) {
                const int64_t count = std::min(width, i0 + r + 1 - j0);
                addValueRows<1>(scores + r * kKeyBlock, kKeyBlock, vBlock, job->vStride[2], count,
                                acc + r * D, D);
            }
        }
        for (int64_t r = 0; r < rows; ++r) {
            float* o = job->out + ((b * T + i0 + r) * H + h) * D;
            const float inverse = 1.0f / sums[r];
            for (int64_t d = 0; d < D; ++d) o[d] = acc[r * D + d] * inverse;
        }
    }
}

LLMAP_KERNEL(attentionTasks, attentionTasksBody,
             (const Job* job, float* scratch, int64_t first, int64_t last),
             (job, scratch, first, last))

// fp32; bf16 too where libtorch's bf16 attention has no AMX to run on.
bool takes(at::ScalarType dtype) {
    static const bool bf16 = !cpu::amxBf16();
    return dtype == at::kFloat || (bf16 && dtype == at::kBFloat16);
}

bool applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    static const bool off = [] {
        const char* env = std::getenv("LLMAP_CPU_ATTENTION");
        return env && std::strcmp(env, "torch") == 0;
    }();
    if (off || !q.is_cpu() || !takes(q.scalar_type()) || k.scalar_type() != q.scalar_type() ||
        v.scalar_type() != q.scalar_type() || q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
        return false;
    }
    const int64_t D = q.size(3);
    return D % kLanes == 0 && D >= kLanes && D <= 256 && k.size(3) == D && v.size(3) == D &&
           k.sizes() == v.sizes() && k.size(0) == q.size(0) && k.size(2) == q.size(2) &&
           k.size(1) > 0 && q.size(1) % k.size(1) == 0 && q.size(2) > 0 && q.stride(3) == 1 &&
           k.stride(3) == 1 && v.stride(3) == 1;
}

// The kernel itself, on fp32 tensors that applies() accepted.
at::Tensor fp32CausalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               double scale) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), kvHeads = k.size(1);
    const int64_t Tp = (T + kKeyTile - 1) / kKeyTile * kKeyTile;
    const at::Tensor keysT = at::zeros({B * kvHeads, D, Tp}, q.options());
    float* kt = keysT.data_ptr<float>();
    const float* kp = k.data_ptr<float>();
    at::parallel_for(0, B * kvHeads, 1, [&](int64_t first, int64_t last) {
        for (int64_t head = first; head < last; ++head) {
            const float* src = kp + (head / kvHeads) * k.stride(0) + (head % kvHeads) * k.stride(1);
            float* dst = kt + head * D * Tp;
            // In tiles of 16 x 16, which the cache holds while the columns are written.
            for (int64_t t0 = 0; t0 < T; t0 += kLanes) {
                const int64_t tiles = std::min(kLanes, T - t0);
                for (int64_t d = 0; d < D; ++d) {
                    for (int64_t t = t0; t < t0 + tiles; ++t)
                        dst[d * Tp + t] = src[t * k.stride(2) + d];
                }
            }
        }
    });
    at::Tensor out = at::empty({B, T, H, D}, q.options());
    const int64_t blocks = (T + kQueryBlock - 1) / kQueryBlock;
    const Job job{q.data_ptr<float>(),
                  {q.stride(0), q.stride(1), q.stride(2)},
                  kt,
                  v.data_ptr<float>(),
                  {v.stride(0), v.stride(1), v.stride(2)},
                  out.data_ptr<float>(),
                  H,
                  kvHeads,
                  T,
                  D,
                  Tp,
                  blocks,
                  static_cast<float>(scale)};
    at::parallel_for(0, B * H * blocks, 1, [&](int64_t first, int64_t last) {
        std::vector<float> scratch(kQueryBlock * (kKeyBlock + D + 2));
        attentionTasks(&job, scratch.data(), first, last);
    });
    return out.transpose(1, 2);
}

}  // namespace

at::Tensor causalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           double scale) {
    if (!applies(q, k, v)) return {};
    RECORD_USER_SCOPE("llmap::attention");
    if (q.scalar_type() != at::kFloat) {
        return fp32CausalAttention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), scale)
            .to(q.scalar_type());
    }
    return fp32CausalAttention(q, k, v, scale);
}

}  // namespace llmap::kernels
