#pragma once
// The t-SNE objective KL(P || Q) and its gradient for the gradient descent in tsne.cpp: exact
// (every pair, any dimension) or Barnes-Hut (2-D quadtree for the repulsion, P on nearest
// neighbours). Both are deterministic: the same for every number of threads.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <memory>

namespace llmap {

class TsneObjective {
public:
    virtual ~TsneObjective() = default;
    // Fills grad (K x d); returns KL(P || Q) when computeError (Barnes-Hut: its estimate), else 0.
    virtual double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) = 0;
    virtual void scaleP(double factor) = 0;
};

// Dense P (symmetric, zero diagonal); Student t with `dof` degrees of freedom, as scikit-learn's
// exact method.
std::unique_ptr<TsneObjective> exactTsneObjective(Eigen::MatrixXd p, double dof);

// Sparse symmetric P; 2-D embeddings; `angle` is the Barnes-Hut trade-off (0: exact repulsion).
std::unique_ptr<TsneObjective> barnesHutTsneObjective(const Eigen::SparseMatrix<double>& p,
                                                      double angle);

}  // namespace llmap
