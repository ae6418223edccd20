#include "analysis/neighbours.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "analysis/parallel.h"

namespace llmap {

namespace {

using Candidate = std::pair<double, int>;  // (squared distance, index): a total order

// The k smallest candidates seen so far for one row, as a max-heap.
struct Best {
    std::vector<Candidate> heap;

    void offer(const Candidate& c, size_t k) {
        if (heap.size() < k) {
            heap.push_back(c);
            std::push_heap(heap.begin(), heap.end());
        } else if (c < heap.front()) {
            std::pop_heap(heap.begin(), heap.end());
            heap.back() = c;
            std::push_heap(heap.begin(), heap.end());
        }
    }
};

// ---- dot products of row blocks ------------------------------------------------------------
// Every dot product is sum_p a_p b_p accumulated in the order p = 0, 1, ... with a separate
// multiply and add (no fused multiply-add: this file is compiled with -ffp-contract=off), so the
// vector widths below (chosen at run time) give the same bits on every machine. Most of the time
// of t-SNE on many models goes here.

constexpr Eigen::Index kStrip = 256;

typedef double Vec2 __attribute__((vector_size(16), may_alias));
typedef double Vec4 __attribute__((vector_size(32), may_alias));
typedef double Vec8 __attribute__((vector_size(64), may_alias));

// A block of rows of x (column-major, `ld` rows) as micro-panels: for each group of R rows, the
// R values of column p one after another; rows past `rows` are zero.
template <int R>
void packPanels(const double* x, Eigen::Index ld, Eigen::Index first, Eigen::Index rows,
                Eigen::Index depth, double* out) {
    const Eigen::Index full = rows / R * R;
    // Strips of columns, so that the columns read stay in cache while every panel is written.
    for (Eigen::Index p0 = 0; p0 < depth; p0 += kStrip) {
        const Eigen::Index p1 = std::min(depth, p0 + kStrip);
        for (Eigen::Index g = 0; g < full; g += R) {
            double* to = out + g * depth;
            for (Eigen::Index p = p0; p < p1; ++p) {
                const double* from = x + p * ld + first + g;
                for (int c = 0; c < R; ++c) to[p * R + c] = from[c];
            }
        }
        if (full == rows) continue;
        double* to = out + full * depth;
        for (Eigen::Index p = p0; p < p1; ++p) {
            const double* from = x + p * ld + first + full;
            for (int c = 0; c < R; ++c) to[p * R + c] = full + c < rows ? from[c] : 0.0;
        }
    }
}

void pack(const double* x, Eigen::Index ld, Eigen::Index first, Eigen::Index rows,
          Eigen::Index depth, int r, double* out) {
    switch (r) {
        case 4:
            return packPanels<4>(x, ld, first, rows, depth, out);
        case 6:
            return packPanels<6>(x, ld, first, rows, depth, out);
        case 8:
            return packPanels<8>(x, ld, first, rows, depth, out);
        default:
            return packPanels<16>(x, ld, first, rows, depth, out);
    }
}

// out (rowsA x rowsB, row-major, leading dimension ldOut) = A B' for packed A (R-row panels) and
// packed B (Lanes * Vecs-row panels).
template <typename V, int R, int Vecs>
__attribute__((always_inline)) inline void dotTile(const double* a, Eigen::Index rowsA,
                                                   const double* b, Eigen::Index rowsB,
                                                   Eigen::Index depth, double* out,
                                                   Eigen::Index ldOut) {
    constexpr int lanes = static_cast<int>(sizeof(V) / sizeof(double));
    constexpr int width = lanes * Vecs;
    // Strips of kStrip columns keep a B micro-panel in the first-level cache; a strip continues
    // the sums of the one before, so each dot product is still added in the order p = 0, 1, ...
    for (Eigen::Index p0 = 0; p0 < depth; p0 += kStrip) {
        const Eigen::Index p1 = std::min(depth, p0 + kStrip);
        for (Eigen::Index gb = 0; gb < rowsB; gb += width) {
            const double* pb = b + gb * depth;
            const Eigen::Index cols = std::min<Eigen::Index>(width, rowsB - gb);
            for (Eigen::Index ga = 0; ga < rowsA; ga += R) {
                const double* pa = a + ga * depth;
                alignas(64) double result[R * width] = {};
                V acc[R][Vecs];
                if (p0 > 0) {
                    for (int i = 0; i < R && ga + i < rowsA; ++i) {
                        std::memcpy(result + i * width, out + (ga + i) * ldOut + gb,
                                    static_cast<size_t>(cols) * sizeof(double));
                    }
                }
                for (int i = 0; i < R; ++i) {
                    for (int v = 0; v < Vecs; ++v) {
                        acc[i][v] = *reinterpret_cast<const V*>(result + i * width + v * lanes);
                    }
                }
                for (Eigen::Index p = p0; p < p1; ++p) {
                    V bv[Vecs];  // the panels are aligned to 64 bytes
                    for (int v = 0; v < Vecs; ++v) {
                        bv[v] = *reinterpret_cast<const V*>(pb + p * width + v * lanes);
                    }
                    for (int i = 0; i < R; ++i) {
                        const double s = pa[p * R + i];
                        for (int v = 0; v < Vecs; ++v) {
                            const V t = bv[v] * s;
                            acc[i][v] = acc[i][v] + t;
                        }
                    }
                }
                for (int i = 0; i < R; ++i) {
                    for (int v = 0; v < Vecs; ++v) {
                        *reinterpret_cast<V*>(result + i * width + v * lanes) = acc[i][v];
                    }
                }
                for (int i = 0; i < R && ga + i < rowsA; ++i) {
                    std::memcpy(out + (ga + i) * ldOut + gb, result + i * width,
                                static_cast<size_t>(cols) * sizeof(double));
                }
            }
        }
    }
}

struct TileShape {
    int rowsPerPanelA, rowsPerPanelB;
};

template <typename V, int R, int Vecs>
constexpr TileShape shapeOf() {
    return {R, static_cast<int>(sizeof(V) / sizeof(double)) * Vecs};
}

using TileFunction = void (*)(const double*, Eigen::Index, const double*, Eigen::Index,
                              Eigen::Index, double*, Eigen::Index);

void tileDefault(const double* a, Eigen::Index ra, const double* b, Eigen::Index rb,
                 Eigen::Index depth, double* out, Eigen::Index ld) {
    dotTile<Vec2, 4, 2>(a, ra, b, rb, depth, out, ld);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LLMAP_DISPATCH_X86 1
__attribute__((target("avx2"))) void tileAvx2(const double* a, Eigen::Index ra, const double* b,
                                              Eigen::Index rb, Eigen::Index depth, double* out,
                                              Eigen::Index ld) {
    dotTile<Vec4, 4, 2>(a, ra, b, rb, depth, out, ld);
}
__attribute__((target("avx512f"))) void tileAvx512(const double* a, Eigen::Index ra,
                                                   const double* b, Eigen::Index rb,
                                                   Eigen::Index depth, double* out,
                                                   Eigen::Index ld) {
    dotTile<Vec8, 6, 2>(a, ra, b, rb, depth, out, ld);
}
#endif

struct Kernel {
    TileFunction run;
    TileShape shape;
};

Kernel kernelForThisCpu() {
#ifdef LLMAP_DISPATCH_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return {tileAvx512, shapeOf<Vec8, 6, 2>()};
    if (__builtin_cpu_supports("avx2")) return {tileAvx2, shapeOf<Vec4, 4, 2>()};
#endif
    return {tileDefault, shapeOf<Vec2, 4, 2>()};
}

double* alignTo64(double* p) {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    return p + ((64 - address % 64) % 64) / sizeof(double);
}

Eigen::Index roundUp(Eigen::Index v, int to) {
    return (v + to - 1) / to * to;
}

}  // namespace

Neighbours nearestNeighbours(const Eigen::MatrixXd& x, Eigen::Index k) {
    const Eigen::Index n = x.rows(), depth = x.cols();
    k = std::min(k, n - 1);
    Neighbours out;
    out.k = std::max<Eigen::Index>(k, 0);
    if (k <= 0) return out;
    Eigen::VectorXd norms = Eigen::VectorXd::Zero(n);  // in the same order as the dot products
    for (Eigen::Index p = 0; p < depth; ++p) {
        for (Eigen::Index i = 0; i < n; ++i) {
            const double t = x(i, p) * x(i, p);
            norms(i) = norms(i) + t;
        }
    }
    // Tiles (I, J), J <= I, of row blocks: each distance is computed once and offered to both
    // rows. The k smallest under (distance, index) do not depend on the order of the offers, and
    // a tile's distances do not depend on the thread that computes it.
    const Eigen::Index block = std::clamp<Eigen::Index>(n / 8, 48, 240);
    const Eigen::Index blocks = (n + block - 1) / block;
    std::vector<std::pair<Eigen::Index, Eigen::Index>> tiles;
    for (Eigen::Index i = 0; i < blocks; ++i) {
        for (Eigen::Index j = 0; j <= i; ++j) tiles.emplace_back(i, j);
    }
    std::vector<Best> best(static_cast<size_t>(n));
    std::unique_ptr<std::mutex[]> locks(new std::mutex[static_cast<size_t>(blocks)]);
    const auto kk = static_cast<size_t>(k);
    const Kernel kernel = kernelForThisCpu();
    // Offers row r of `dist` (rows x cols) to row first + r, for the columns other + c.
    auto offerAll = [&](const double* dist, Eigen::Index first, Eigen::Index rows,
                        Eigen::Index other, Eigen::Index cols, std::mutex& lock) {
        std::lock_guard<std::mutex> hold(lock);
        for (Eigen::Index r = 0; r < rows; ++r) {
            Best& row = best[static_cast<size_t>(first + r)];
            const double* dr = dist + r * cols;
            for (Eigen::Index c = 0; c < cols; ++c) {
                if (first + r != other + c) row.offer({dr[c], static_cast<int>(other + c)}, kk);
            }
        }
    };
    parallelChunks(
        tiles.size(),
        [&](size_t, size_t lo, size_t hi) {
            const int ra = kernel.shape.rowsPerPanelA, rb = kernel.shape.rowsPerPanelB;
            std::vector<double> packedA(static_cast<size_t>(roundUp(block, ra) * depth));
            std::vector<double> packedBStore(static_cast<size_t>(roundUp(block, rb) * depth + 8));
            double* packedB = alignTo64(packedBStore.data());
            std::vector<double> d(static_cast<size_t>(block * block));
            std::vector<double> dt(static_cast<size_t>(block * block));
            Eigen::Index packedI = -1;
            for (size_t t = lo; t < hi; ++t) {
                const Eigen::Index bi = tiles[t].first * block, bj = tiles[t].second * block;
                const Eigen::Index ri = std::min(block, n - bi), rj = std::min(block, n - bj);
                if (packedI != bi) pack(x.data(), n, bi, ri, depth, ra, packedA.data());
                packedI = bi;
                pack(x.data(), n, bj, rj, depth, rb, packedB);
                kernel.run(packedA.data(), ri, packedB, rj, depth, d.data(), rj);
                for (Eigen::Index a = 0; a < ri; ++a) {
                    for (Eigen::Index b = 0; b < rj; ++b) {
                        double& v = d[static_cast<size_t>(a * rj + b)];
                        v = std::max(0.0, norms(bi + a) + norms(bj + b) - 2.0 * v);
                        dt[static_cast<size_t>(b * ri + a)] = v;
                    }
                }
                offerAll(d.data(), bi, ri, bj, rj, locks[static_cast<size_t>(tiles[t].first)]);
                if (bi != bj) {
                    offerAll(dt.data(), bj, rj, bi, ri,
                             locks[static_cast<size_t>(tiles[t].second)]);
                }
            }
        },
        2);
    out.index.resize(static_cast<size_t>(n) * kk);
    out.distance.resize(static_cast<size_t>(n) * kk);
    for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<Candidate>& h = best[static_cast<size_t>(i)].heap;
        std::sort_heap(h.begin(), h.end());
        for (size_t j = 0; j < kk; ++j) {
            out.distance[static_cast<size_t>(i) * kk + j] = h[j].first;
            out.index[static_cast<size_t>(i) * kk + j] = h[j].second;
        }
    }
    return out;
}

}  // namespace llmap
