#pragma once
// LFM2's short convolution, a sequence mixer in place of attention: in_proj splits each position
// into B, C and x; B * x goes through a causal depthwise convolution of `kernel` taps; C times
// the result goes through out_proj. Decoding carries the last kernel - 1 inputs of the
// convolution in MixerState::conv.
#include <memory>

#include "model/sequence_mixer.h"

namespace llmap {

std::unique_ptr<SequenceMixer> loadShortConv(const ArchSpec& spec, const LayerWeights& weights);

}  // namespace llmap
