#include "model/sequence_mixer.h"

#include "model/mixers/gated_deltanet.h"
#include "model/mixers/mamba2.h"
#include "model/mixers/short_conv.h"
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
    const Mixer kind = spec.layerMixers.at(static_cast<size_t>(layer));
    switch (kind) {
        case Mixer::GatedDeltaNet:
            return loadGatedDeltaNet(spec, weights);
        case Mixer::ShortConv:
            return loadShortConv(spec, weights);
        case Mixer::Mamba2:
            return loadMamba2(spec, weights);
        default:
            throw InputError("layer " + std::to_string(layer) + " mixes its sequence with " +
                                 mixerName(kind) + ", which LLMap cannot run",
                             spec.family + " model",
                             "score a model whose layers all use attention");
    }
}

}  // namespace llmap
