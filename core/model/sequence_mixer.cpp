#include "model/sequence_mixer.h"

#include "util/error.h"

namespace llmap {

namespace {
const char* mixerName(Mixer kind) {
    switch (kind) {
        case Mixer::Attention:
            return "attention";
        case Mixer::GatedDeltaNet:
            return "gated DeltaNet";
        case Mixer::ShortConv:
            return "short convolution";
        case Mixer::Mamba2:
            return "Mamba-2";
    }
    return "unknown";
}
}  // namespace

std::unique_ptr<SequenceMixer> loadSequenceMixer(const ArchSpec& spec, int64_t layer,
                                                 const LayerWeights& weights) {
    (void)weights;
    const Mixer kind = spec.layerMixers.at(static_cast<size_t>(layer));
    switch (kind) {
        default:
            throw InputError("layer " + std::to_string(layer) + " mixes its sequence with " +
                                 mixerName(kind) + ", which LLMap cannot run",
                             spec.family + " model",
                             "score a model whose layers all use attention");
    }
}

}  // namespace llmap
