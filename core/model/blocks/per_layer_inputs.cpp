#include "model/blocks/per_layer_inputs.h"

#include <cmath>

#include "model/blocks.h"

namespace llmap::blocks {

at::Tensor perLayerInputs(const PerLayerInputWeights& w, const at::Tensor& ids,
                          const at::Tensor& embedded, int64_t layers, int64_t dim,
                          const WeightedNorm& norm) {
    const int64_t B = ids.size(0), T = ids.size(1);
    const double hidden = static_cast<double>(embedded.size(-1));
    // The scale rounded to the model's dtype, as transformers' scaled embedding keeps it.
    const at::Tensor tokens =
        at::embedding(w.table, ids) *
        at::scalar_tensor(std::sqrt(static_cast<double>(dim)), embedded.options());
    const at::Tensor projected = norm(
        (at::linear(embedded, w.projection) * (1.0 / std::sqrt(hidden))).view({B, T, layers, dim}),
        w.projectionNorm);
    return (projected + tokens.view({B, T, layers, dim})) * (1.0 / std::sqrt(2.0));
}

at::Tensor addPerLayerInput(const at::Tensor& x, const at::Tensor& input, const at::Tensor& gate,
                            const at::Tensor& out, const at::Tensor& normWeight,
                            Activation activation, const WeightedNorm& norm) {
    const at::Tensor h = activate(activation, at::linear(x, gate)) * input;
    return x + norm(at::linear(h, out), normWeight);
}

}  // namespace llmap::blocks
