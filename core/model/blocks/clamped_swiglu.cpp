#include "model/blocks/clamped_swiglu.h"

#include "model/blocks.h"

namespace llmap::blocks {

at::Tensor clampedSwiglu(const at::Tensor& gate, const at::Tensor& up, double alpha, double limit) {
    const at::Tensor g = gate.clamp_max(limit);
    const at::Tensor u = up.clamp(-limit, limit);
    return (u + 1) * (g * at::sigmoid(g * alpha));
}

at::Tensor gatedActivation(const ArchSpec& spec, const at::Tensor& gate, const at::Tensor& up) {
    if (spec.activation == Activation::ClampedSwiGLU)
        return clampedSwiglu(gate, up, spec.swigluAlpha, spec.swigluLimit);
    const at::Tensor fused = fusedActivation(spec.activation, gate, up);
    if (fused.defined()) return fused;
    return activate(spec.activation, gate).mul_(up);  // the activation's output is its own
}

}  // namespace llmap::blocks
