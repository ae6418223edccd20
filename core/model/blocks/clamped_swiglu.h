#pragma once
// The gated MLPs' product act(gate) * up, and the clamped SwiGLU among those activations.
#include <ATen/ATen.h>

#include "model/arch_spec.h"

namespace llmap::blocks {

// gpt-oss's clamped SwiGLU: with g = min(gate, limit) and u = clamp(up, -limit, limit),
// (u + 1) * g * sigmoid(alpha * g), in the inputs' dtype.
at::Tensor clampedSwiglu(const at::Tensor& gate, const at::Tensor& up, double alpha, double limit);

// What a gated MLP feeds its down projection: clampedSwiglu(gate, up) for
// Activation::ClampedSwiGLU (with the spec's swigluAlpha and swigluLimit), act(gate) * up for the
// others.
at::Tensor gatedActivation(const ArchSpec& spec, const at::Tensor& gate, const at::Tensor& up);

}  // namespace llmap::blocks
