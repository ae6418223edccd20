#include "model/blocks/mlp.h"

#include "model/blocks.h"
#include "model/blocks/clamped_swiglu.h"

namespace llmap::blocks {

namespace {

// xIELU's alpha_p and alpha_n, and its beta and eps where the checkpoint has them (else the
// reference's 0.5 and -1e-6).
void loadXielu(const LayerWeights& w, const ArchSpec& s, MlpWeights& m) {
    const std::string prefix = s.xieluPrefix + ".";
    m.xieluAlphaP = w.get(prefix + "alpha_p", {1});
    m.xieluAlphaN = w.get(prefix + "alpha_n", {1});
    const auto scalar = [&](const char* name, double initial) {
        if (w.has(prefix + name)) return w.get(prefix + name, {});
        return at::scalar_tensor(initial, m.xieluAlphaP.options());
    };
    m.xieluBeta = scalar("beta", 0.5);
    m.xieluEps = scalar("eps", -1e-6);
}

}  // namespace

MlpWeights loadMlp(const LayerWeights& w, const ArchSpec& s, int64_t I) {
    const WeightNames& n = s.names;
    const int64_t D = s.hidden;
    MlpWeights m;
    if (s.activation == Activation::XIELU) loadXielu(w, s, m);
    if (s.fusedGateUp) {
        m.upW = w.get(n.up + ".weight", linearShape(2 * I, D, s.conv1d));
        m.downW = w.get(n.down + ".weight", linearShape(D, I, s.conv1d));
        m.gateUpFused = true;
        return m;
    }
    if (s.gatedMlp) {
        m.gateW = w.get(n.gate + ".weight", linearShape(I, D, s.conv1d));
        if (s.mlpBias) m.gateB = w.get(n.gate + ".bias", {I});
    }
    m.upW = w.get(n.up + ".weight", linearShape(I, D, s.conv1d));
    m.downW = w.get(n.down + ".weight", linearShape(D, I, s.conv1d));
    if (s.mlpBias) {
        m.upB = w.get(n.up + ".bias", {I});
        m.downB = w.get(n.down + ".bias", {D});
    }
    if (s.gatedMlp && !s.conv1d) {
        // One product instead of two: [gate; up] stacked, as Phi-3 stores it.
        m.upW = at::cat({m.gateW, m.upW});
        if (s.mlpBias) m.upB = at::cat({m.gateB, m.upB});
        m.gateW = m.gateB = at::Tensor();
        m.gateUpFused = true;
    }
    return m;
}

at::Tensor mlp(const MlpWeights& m, const ArchSpec& spec, const at::Tensor& x) {
    at::Tensor h;
    if (m.gateUpFused) {
        const at::Tensor gateUp = linear(x, m.upW, m.upB, spec.conv1d);
        const double g = spec.mlpGateMultiplier;
        const auto parts = gateUp.chunk(2, -1);
        h = gatedActivation(spec, g == 1.0 ? parts[0] : parts[0] * g, parts[1]);
    } else if (spec.gatedMlp) {
        const at::Tensor gate = linear(x, m.gateW, m.gateB, spec.conv1d);
        h = gatedActivation(spec,
                            spec.mlpGateMultiplier == 1.0 ? gate : gate * spec.mlpGateMultiplier,
                            linear(x, m.upW, m.upB, spec.conv1d));
    } else if (spec.activation == Activation::XIELU) {
        h = xielu(linear(x, m.upW, m.upB, spec.conv1d), m.xieluAlphaP, m.xieluAlphaN, m.xieluBeta,
                  m.xieluEps);
    } else {
        h = activate(spec.activation, linear(x, m.upW, m.upB, spec.conv1d));
    }
    const at::Tensor out = linear(h, m.downW, m.downB, spec.conv1d);
    return spec.mlpDownMultiplier == 1.0 ? out : out * spec.mlpDownMultiplier;
}

}  // namespace llmap::blocks
