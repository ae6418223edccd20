#pragma once

#include <ATen/ATen.h>
#include <utility>

#include "model/sequence_mixer.h"

namespace llmap {

// One layer's keys and values of the tokens decoded so far, [B, kvHeads, T, headDim] (latent
// attention: [B, heads, T, ...] with the keys already expanded per head), or its sequence mixer's
// state.
struct LayerCache {
    at::Tensor keys, values;
    MixerState mixer;  // a layer whose sequence mixer is not attention
    // Appends k and v [B, h, t, d] along the tokens and returns the whole cache.
    std::pair<at::Tensor, at::Tensor> append(const at::Tensor& k, const at::Tensor& v) {
        keys = keys.defined() ? at::cat({keys, k}, 2) : k;
        values = values.defined() ? at::cat({values, v}, 2) : v;
        return {keys, values};
    }
};

}  // namespace llmap
