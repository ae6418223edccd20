// GraniteMoeHybrid (Granite 4.0-H): Granite's multipliers over layers that are either Mamba-2
// mixers or attention ("layer_types"), each followed by GraniteMoE's experts plus a shared MLP, or
// by the shared MLP alone (num_local_experts 0); rotary positions or none
// (position_embedding_type).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/mamba2_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// "layer_types" ("mamba"/"attention", or transformers 5's "linear_attention"/"full_attention");
// every layer a mixer when absent, as transformers defaults it.
std::vector<Mixer> readMixers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    if (!c.contains("layer_types") || c["layer_types"].is_null())
        return std::vector<Mixer>(static_cast<size_t>(layers), Mixer::Mamba2);
    const nlohmann::json& types = c["layer_types"];
    if (!types.is_array() || static_cast<int64_t>(types.size()) != layers) {
        throw InputError("layer_types must name each of the " + std::to_string(layers) + " layers",
                         where, "fix layer_types in config.json");
    }
    std::vector<Mixer> mixers;
    for (const auto& t : types) {
        const std::string name = t.is_string() ? t.get<std::string>() : "";
        if (name == "mamba" || name == "linear_attention") {
            mixers.push_back(Mixer::Mamba2);
        } else if (name == "attention" || name == "full_attention") {
            mixers.push_back(Mixer::Attention);
        } else {
            throw InputError("layer type \"" + name + "\" is not supported", where,
                             "use \"mamba\" or \"attention\" in layer_types in config.json");
        }
    }
    return mixers;
}

}  // namespace

ArchSpec granitemoehybridSpec(const nlohmann::json& c, const std::string& where) {
    const int64_t experts = jsonInt(c, "num_local_experts", where).value_or(8);
    ArchSpec s = experts > 0 ? granitemoeSpec(c, where) : graniteSpec(c, where);
    s.family = "granitemoehybrid";
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = false;
    const int64_t shared = jsonInt(c, "shared_intermediate_size", where).value_or(1024);
    if (shared < 0 || (experts <= 0 && shared < 1)) {
        throw InputError("absurd config: shared_intermediate_size = " + std::to_string(shared),
                         where, "fix shared_intermediate_size in config.json");
    }
    if (experts > 0) {
        s.moeShared = "shared_mlp";
        s.sharedIntermediate = shared;
    } else {
        // The shared MLP alone: input_linear holds [gate; up].
        s.intermediate = shared;
        s.fusedGateUp = true;
        s.names.up = "shared_mlp.input_linear";
        s.names.down = "shared_mlp.output_linear";
        s.names.gate = "";
    }
    const auto positions = jsonString(c, "position_embedding_type", where);
    if (positions && *positions != "rope") {
        throw InputError("position_embedding_type \"" + *positions + "\" is not supported", where,
                         "use \"rope\" or null in config.json");
    }
    if (!positions) s.noRopeLayers.assign(static_cast<size_t>(s.layers), true);
    s.layerMixers = readMixers(c, s.layers, where);
    s.mamba2 = readMamba2(c, mambaExpandedWidth(c, s.hidden, where), 1e-6, where);
    s.mamba2.outBias = s.mamba2.inBias;
    s.mamba2.gatedNorm = true;
    s.mamba2.normBeforeGate = false;
    return s;
}

}  // namespace llmap
