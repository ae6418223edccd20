#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "analysis/parallel.h"
#include "analysis/tsne_gradient.h"

namespace llmap {

namespace {

constexpr double kFloat32Tiny = 1.1754943508222875e-38;
// Cells with this many points or fewer are leaves; their points interact one by one.
constexpr int kLeafSize = 8;
constexpr int kMaxDepth = 40;

// Two lanes (SSE2, NEON) for the pairwise loops; the lanes are added in a fixed order at the end.
typedef double Pair __attribute__((vector_size(16)));

// A 2-D quadtree over the embedding, rebuilt every iteration. Points are stored in tree order
// (each cell's points contiguous); nodes in depth-first order, each with the index just past its
// subtree, so that a walk needs no stack: into a cell is the next node, past it is `skip`.
class QuadTree {
public:
    struct Node {
        double comX, comY;  // centre of mass
        double reach2;      // summarised for points further (squared) than this: width^2 / theta^2
        double count;
        int begin, end;  // its points, in tree order
        int skip;        // the next node outside this cell; a leaf's is its own index + 1
    };

    std::vector<Node> nodes;
    std::vector<double> px, py;  // coordinates in tree order
    std::vector<int> original;   // row of y for each tree position

    void build(const Eigen::MatrixXd& y, double theta) {
        const auto n = static_cast<int>(y.rows());
        points_.resize(static_cast<size_t>(n));
        double minX = std::numeric_limits<double>::infinity(), maxX = -minX;
        double minY = minX, maxY = -minX;
        for (int i = 0; i < n; ++i) {
            const double a = y(i, 0), b = y(i, 1);
            points_[static_cast<size_t>(i)] = {a, b, i};
            minX = std::min(minX, a);
            maxX = std::max(maxX, a);
            minY = std::min(minY, b);
            maxY = std::max(maxY, b);
        }
        const double half =
            std::max(std::max(maxX - minX, maxY - minY) / 2.0, 1e-12) * (1.0 + 1e-6);
        inverseTheta2_ =
            theta > 0 ? 1.0 / (theta * theta) : std::numeric_limits<double>::infinity();
        nodes.clear();
        nodes.reserve(static_cast<size_t>(n / 2 + 16));
        build(0, n, (minX + maxX) / 2.0, (minY + maxY) / 2.0, half, 0);
        px.resize(static_cast<size_t>(n));
        py.resize(static_cast<size_t>(n));
        original.resize(static_cast<size_t>(n));
        for (size_t a = 0; a < points_.size(); ++a) {
            px[a] = points_[a].x;
            py[a] = points_[a].y;
            original[a] = points_[a].row;
        }
    }

    // The repulsion on the point at tree position s: adds sum_j q_ij^2 (y_s - y_j) to (fx, fy)
    // with q_ij = 1 / (1 + |y_s - y_j|^2), and returns sum_j q_ij.
    double repulsion(int s, double& fx, double& fy) const {
        const double x = px[static_cast<size_t>(s)], y = py[static_cast<size_t>(s)];
        double sumQ = 0.0, gx = 0.0, gy = 0.0;
        Pair pairQ = {0.0, 0.0}, pairX = {0.0, 0.0}, pairY = {0.0, 0.0};
        const Node* all = nodes.data();
        const int count = static_cast<int>(nodes.size());
        int at = 0;
        while (at < count) {
            const Node& node = all[at];
            const double dx = x - node.comX, dy = y - node.comY;
            const double d2 = dx * dx + dy * dy;
            const bool holdsS = s >= node.begin && s < node.end;
            if (node.reach2 < d2 && !holdsS) {
                const double q = 1.0 / (1.0 + d2);
                const double m = node.count * q;
                sumQ += m;
                gx += m * q * dx;
                gy += m * q * dy;
                at = node.skip;
            } else if (node.skip == at + 1) {
                int a = node.begin;
                for (; a + 1 < node.end; a += 2) {
                    const Pair ex =
                        x - Pair{px[static_cast<size_t>(a)], px[static_cast<size_t>(a + 1)]};
                    const Pair ey =
                        y - Pair{py[static_cast<size_t>(a)], py[static_cast<size_t>(a + 1)]};
                    Pair q = 1.0 / (1.0 + ex * ex + ey * ey);
                    if (a == s) q[0] = 0.0;
                    if (a + 1 == s) q[1] = 0.0;
                    const Pair q2 = q * q;
                    pairQ += q;
                    pairX += q2 * ex;
                    pairY += q2 * ey;
                }
                if (a < node.end && a != s) {
                    const double ex = x - px[static_cast<size_t>(a)];
                    const double ey = y - py[static_cast<size_t>(a)];
                    const double q = 1.0 / (1.0 + ex * ex + ey * ey);
                    sumQ += q;
                    gx += q * q * ex;
                    gy += q * q * ey;
                }
                at = node.skip;
            } else {
                ++at;
            }
        }
        fx += gx + pairX[0] + pairX[1];
        fy += gy + pairY[0] + pairY[1];
        return sumQ + pairQ[0] + pairQ[1];
    }

private:
    struct Point {
        double x, y;
        int row;
    };
    std::vector<Point> points_;
    double inverseTheta2_ = 0;

    // Appends the subtree for points [first, last) in a cell of centre (cx, cy) and half width
    // `half`.
    void build(int first, int last, double cx, double cy, double half, int depth) {
        const auto id = nodes.size();
        nodes.emplace_back();
        Node node{};
        node.begin = first;
        node.end = last;
        node.count = last - first;
        node.reach2 = 4.0 * half * half * inverseTheta2_;
        if (last - first <= kLeafSize || depth >= kMaxDepth) {
            for (int a = first; a < last; ++a) {
                node.comX += points_[static_cast<size_t>(a)].x;
                node.comY += points_[static_cast<size_t>(a)].y;
            }
        } else {
            auto begin = points_.begin() + first, end = points_.begin() + last;
            auto midX = std::partition(begin, end, [cx](const Point& p) { return p.x < cx; });
            auto lowY = std::partition(begin, midX, [cy](const Point& p) { return p.y < cy; });
            auto highY = std::partition(midX, end, [cy](const Point& p) { return p.y < cy; });
            const int bounds[5] = {first, static_cast<int>(lowY - points_.begin()),
                                   static_cast<int>(midX - points_.begin()),
                                   static_cast<int>(highY - points_.begin()), last};
            const double h = half / 2.0;
            const double offX[4] = {-h, -h, h, h};
            const double offY[4] = {-h, h, -h, h};
            for (int q = 0; q < 4; ++q) {
                if (bounds[q + 1] == bounds[q]) continue;
                const auto child = nodes.size();
                build(bounds[q], bounds[q + 1], cx + offX[q], cy + offY[q], h, depth + 1);
                const Node& c = nodes[child];
                node.comX += c.count * c.comX;
                node.comY += c.count * c.comY;
            }
        }
        node.comX /= node.count;
        node.comY /= node.count;
        node.skip = static_cast<int>(nodes.size());
        nodes[id] = node;
    }
};

// scikit-learn's Barnes-Hut gradient (_barnes_hut_tsne.gradient): attraction on the neighbours
// in P, repulsion from the quadtree, both times 4; the KL estimate uses the tree's sum of Q.
class BarnesHutObjective : public TsneObjective {
public:
    BarnesHutObjective(const Eigen::SparseMatrix<double>& p, double angle) : p_(p), theta_(angle) {
        p_.makeCompressed();
    }

    void scaleP(double factor) override { p_ *= factor; }

    double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) override {
        const Eigen::Index n = y.rows();
        tree_.build(y, theta_);
        xy_.resize(2 * static_cast<size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i) {
            xy_[2 * static_cast<size_t>(i)] = y(i, 0);
            xy_[2 * static_cast<size_t>(i) + 1] = y(i, 1);
        }
        force_.resize(4 * static_cast<size_t>(n));  // per row: attraction x, y, repulsion x, y
        const int* outer = p_.outerIndexPtr();
        const int* inner = p_.innerIndexPtr();
        const double* value = p_.valuePtr();
        std::array<double, kParallelChunks> partial{};
        // Points in tree order: neighbours in the tree walk the same cells.
        parallelChunks(static_cast<size_t>(n), [&](size_t c, size_t lo, size_t hi) {
            double s = 0.0;
            for (size_t t = lo; t < hi; ++t) {
                const auto i = static_cast<size_t>(tree_.original[t]);
                double rx = 0.0, ry = 0.0;
                s += tree_.repulsion(static_cast<int>(t), rx, ry);
                const double x = xy_[2 * i], yy = xy_[2 * i + 1];
                Pair ax2 = {0.0, 0.0}, ay2 = {0.0, 0.0};
                int e = outer[i];
                for (; e + 1 < outer[i + 1]; e += 2) {
                    const auto j0 = static_cast<size_t>(inner[e]);
                    const auto j1 = static_cast<size_t>(inner[e + 1]);
                    const Pair dx = x - Pair{xy_[2 * j0], xy_[2 * j1]};
                    const Pair dy = yy - Pair{xy_[2 * j0 + 1], xy_[2 * j1 + 1]};
                    const Pair pq = Pair{value[e], value[e + 1]} / (1.0 + dx * dx + dy * dy);
                    ax2 += pq * dx;
                    ay2 += pq * dy;
                }
                double ax = ax2[0] + ax2[1], ay = ay2[0] + ay2[1];
                if (e < outer[i + 1]) {
                    const auto j = static_cast<size_t>(inner[e]);
                    const double dx = x - xy_[2 * j], dy = yy - xy_[2 * j + 1];
                    const double pq = value[e] / (1.0 + dx * dx + dy * dy);
                    ax += pq * dx;
                    ay += pq * dy;
                }
                force_[4 * i] = ax;
                force_[4 * i + 1] = ay;
                force_[4 * i + 2] = rx;
                force_[4 * i + 3] = ry;
            }
            partial[c] = s;
        });
        double sumQ = 0.0;
        for (double s : partial) sumQ += s;
        grad.resize(n, 2);
        for (Eigen::Index i = 0; i < n; ++i) {
            const double* f = &force_[4 * static_cast<size_t>(i)];
            grad(i, 0) = 4.0 * (f[0] - f[2] / sumQ);
            grad(i, 1) = 4.0 * (f[1] - f[3] / sumQ);
        }
        if (!computeError) return 0.0;
        partial.fill(0.0);
        parallelChunks(static_cast<size_t>(n), [&](size_t c, size_t lo, size_t hi) {
            double kl = 0.0;
            for (size_t i = lo; i < hi; ++i) {
                for (int e = outer[i]; e < outer[i + 1]; ++e) {
                    const auto j = static_cast<size_t>(inner[e]);
                    const double dx = xy_[2 * i] - xy_[2 * j], dy = xy_[2 * i + 1] - xy_[2 * j + 1];
                    const double q = 1.0 / (1.0 + dx * dx + dy * dy);
                    kl += value[e] * std::log(std::max(value[e], kFloat32Tiny) /
                                              std::max(q / sumQ, kFloat32Tiny));
                }
            }
            partial[c] = kl;
        });
        double kl = 0.0;
        for (double s : partial) kl += s;
        return kl;
    }

private:
    Eigen::SparseMatrix<double, Eigen::RowMajor> p_;
    double theta_;
    QuadTree tree_;
    std::vector<double> xy_, force_;
};

}  // namespace

std::unique_ptr<TsneObjective> barnesHutTsneObjective(const Eigen::SparseMatrix<double>& p,
                                                      double angle) {
    return std::make_unique<BarnesHutObjective>(p, angle);
}

}  // namespace llmap
