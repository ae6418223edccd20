#include "model/blocks/unweighted_rms_norm.h"

namespace llmap::blocks {

at::Tensor unweightedRmsNorm(const at::Tensor& x, double eps) {
    const at::Tensor xf = x.to(at::kFloat);
    return (xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps)).to(x.scalar_type());
}

}  // namespace llmap::blocks
