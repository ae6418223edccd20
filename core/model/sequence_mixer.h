#pragma once
// Sequence mixers other than attention: the recurrent and convolutional layers of hybrid models
// (gated DeltaNet, short convolutions, Mamba-2). Each lives in its own module under mixers/, is
// loaded from one layer's weights and runs in place of that layer's attention; the engine knows
// them only through this interface.
#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/arch_spec.h"
#include "model/layer_weights.h"

namespace llmap {

// What a mixer carries from one decoding step to the next: its convolution window and its
// recurrent state, in whatever shapes the mixer chooses. Empty before the first step.
struct MixerState {
    at::Tensor conv, recurrent;
};

class SequenceMixer {
public:
    virtual ~SequenceMixer() = default;
    // x [B, T, hidden], normalised as attention's input would be; mask [B, T] (1: a real token,
    // 0: padding, on either side). state: null for a whole text; when decoding, this layer's
    // state, read and updated in place. Returns [B, T, hidden], before the residual add.
    virtual at::Tensor forward(const at::Tensor& x, const at::Tensor& mask,
                               MixerState* state) const = 0;
};

// The mixer of layer `layer`, whose spec.layerMixers entry is not Mixer::Attention.
std::unique_ptr<SequenceMixer> loadSequenceMixer(const ArchSpec& spec, int64_t layer,
                                                 const LayerWeights& weights);

}  // namespace llmap
