#pragma once
// The Mamba-2 mixer of Falcon-H1 and Granite 4.0-H (transformers' torch path of FalconH1Mixer and
// BambaMixer): see Mamba2Spec in model/arch_spec.h.
#include <memory>

#include "model/sequence_mixer.h"

namespace llmap {

std::unique_ptr<SequenceMixer> loadMamba2(const ArchSpec& spec, const LayerWeights& weights);

}  // namespace llmap
