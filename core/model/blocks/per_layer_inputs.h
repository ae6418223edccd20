#pragma once
// Per-layer embeddings (Gemma-4's PLE): besides the residual stream, every layer receives an input
// of its own, made once per text from the token (a second embedding table of layers * dim
// channels, scaled by sqrt(dim) in the model's dtype) and from the scaled token embedding (a
// linear map scaled by 1/sqrt(hidden), then RMS-normalised per layer), their sum scaled by
// 1/sqrt(2). After its MLP a layer adds norm(out(act(gate(x)) * input)) to the stream.
#include <ATen/ATen.h>

#include <functional>

#include "model/arch_spec.h"

namespace llmap::blocks {

// Weight names, relative to the model's base prefix and to a layer's prefix.
inline constexpr const char* kPerLayerTable = "embed_tokens_per_layer.weight";
inline constexpr const char* kPerLayerProjection = "per_layer_model_projection.weight";
inline constexpr const char* kPerLayerProjectionNorm = "per_layer_projection_norm.weight";
inline constexpr const char* kPerLayerGate = "per_layer_input_gate.weight";
inline constexpr const char* kPerLayerOut = "per_layer_projection.weight";
inline constexpr const char* kPerLayerNorm = "post_per_layer_input_norm.weight";

// The model's RMSNorm with a weight.
using WeightedNorm = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;

struct PerLayerInputWeights {
    at::Tensor table, projection, projectionNorm;
};

// [B, T, layers, dim] for ids [B, T] and their scaled token embeddings [B, T, hidden].
at::Tensor perLayerInputs(const PerLayerInputWeights& w, const at::Tensor& ids,
                          const at::Tensor& embedded, int64_t layers, int64_t dim,
                          const WeightedNorm& norm);

// x + norm(out(act(gate(x)) * input)) for one layer's input [B, T, dim].
at::Tensor addPerLayerInput(const at::Tensor& x, const at::Tensor& input, const at::Tensor& gate,
                            const at::Tensor& out, const at::Tensor& normWeight,
                            Activation activation, const WeightedNorm& norm);

}  // namespace llmap::blocks
