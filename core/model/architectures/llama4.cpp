// Llama 4 (text): Llama's blocks with rotary on interleaved pairs (complex multiplication, in fp32)
// on all but the NoPE layers (no_rope_layers 0, by default every no_rope_layer_interval-th);
// the rotary layers attend within chunks of attention_chunk_size positions (or as layer_types
// says) and normalise q and k per head without a weight after the rotary (use_qk_norm); the
// NoPE layers attend to everything and scale their queries by position
// (attn_temperature_tuning). The layers in moe_layers (by default every
// interleave_moe_layer_step-th) replace the MLP of intermediate_size_mlp channels by a mixture
// of experts: the router's top num_experts_per_tok logits, each through a sigmoid, scale the
// chosen experts' inputs; an always-on shared expert is added.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/no_rope_layers.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// The chunked layers: layer_types' "chunked_attention" ones, else the rotary layers.
std::vector<bool> chunkedLayers(const nlohmann::json& c, const std::vector<bool>& noRope,
                                bool chunkSet, const std::string& where) {
    std::vector<bool> chunked(noRope.size(), false);
    const auto types = c.find("layer_types");
    if (types == c.end() || types->is_null()) {
        for (size_t i = 0; i < chunked.size(); ++i) chunked[i] = chunkSet && !noRope[i];
        return chunked;
    }
    if (!types->is_array() || types->size() != chunked.size()) {
        throw InputError("layer_types must list one entry for each of the " +
                             std::to_string(chunked.size()) + " layers",
                         where, "fix config.json");
    }
    for (size_t i = 0; i < chunked.size(); ++i) {
        const auto& t = (*types)[i];
        const std::string name = t.is_string() ? t.get<std::string>() : "";
        if (name != "chunked_attention" && name != "full_attention") {
            throw InputError("layer_types entry " + std::to_string(i) + " is " + t.dump() +
                                 ", not \"chunked_attention\" or \"full_attention\"",
                             where, "fix config.json");
        }
        chunked[i] = name == "chunked_attention";
        if (chunked[i] && !chunkSet) {
            throw InputError(
                "layer_types has chunked_attention layers but attention_chunk_size is "
                "null",
                where, "set attention_chunk_size in config.json");
        }
    }
    return chunked;
}

// true: the layer keeps its dense MLP (not in moe_layers, by default every
// interleave_moe_layer_step-th layer from step - 1).
std::vector<bool> denseLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<bool> dense(static_cast<size_t>(layers), true);
    const auto list = c.find("moe_layers");
    if (list != c.end() && !list->is_null()) {
        if (!list->is_array()) {
            throw InputError("\"moe_layers\" is not a list", where,
                             "give moe_layers as a list of layer indices in config.json");
        }
        for (const auto& v : *list) {
            if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= layers) {
                throw InputError(
                    "moe_layers holds " + v.dump() + ", not a layer of " + std::to_string(layers),
                    where, "list layer indices from 0 to num_hidden_layers - 1");
            }
            dense[v.get<size_t>()] = false;
        }
        return dense;
    }
    const int64_t step = jsonInt(c, "interleave_moe_layer_step", where).value_or(1);
    if (step < 1) {
        throw InputError("absurd config: interleave_moe_layer_step " + std::to_string(step), where,
                         "interleave_moe_layer_step must be at least 1 in config.json");
    }
    for (int64_t i = step - 1; i < layers; i += step) dense[static_cast<size_t>(i)] = false;
    return dense;
}

void readExperts(const nlohmann::json& c, const std::string& where, ArchSpec& s) {
    const int64_t experts = jsonInt(c, "num_local_experts", where).value_or(16);
    const int64_t perToken = jsonInt(c, "num_experts_per_tok", where).value_or(1);
    const int64_t intermediate = jsonInt(c, "intermediate_size", where).value_or(8192);
    if (experts < 1 || experts > 4096 || perToken < 1 || perToken > experts || intermediate < 1 ||
        intermediate > (1 << 20)) {
        throw InputError("absurd config: " + std::to_string(perToken) + " of " +
                             std::to_string(experts) + " experts of " +
                             std::to_string(intermediate) + " channels per token",
                         where,
                         "fix num_local_experts, num_experts_per_tok, intermediate_size in "
                         "config.json");
    }
    s.experts = experts;
    s.expertsPerToken = perToken;
    s.moeIntermediate = s.sharedIntermediate = intermediate;
    s.denseMlpLayers = denseLayers(c, s.layers, where);
    s.routerScoring = ArchSpec::RouterScoring::Sigmoid;
    s.normTopk = false;
    s.routedInModelDtype = true;
    s.moeScaleInput = true;
    s.moeExpertsInputMajor = true;
    s.moeRouter = "feed_forward.router";
    s.moeExperts = "feed_forward.experts.";
    s.moeShared = "feed_forward.shared_expert";
    // GGUF's experts, stacked per projection.
    s.moeGate = "gate_proj";
    s.moeUp = "up_proj";
    s.moeDown = "down_proj";
}

}  // namespace

ArchSpec llama4TextSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json d = withDefaultHeadDim(withDefaultTheta(c, 500000.0), 128);
    // Llama4TextConfig's defaults where readLlamaStyle's differ.
    if (!jsonInt(c, "num_key_value_heads", where)) d["num_key_value_heads"] = 8;
    if (!jsonNumber(c, "rms_norm_eps", where)) d["rms_norm_eps"] = 1e-5;
    if (!jsonInt(c, "max_position_embeddings", where)) d["max_position_embeddings"] = 131072;
    // Dense layers have intermediate_size_mlp channels; the experts intermediate_size.
    d["intermediate_size"] = jsonInt(c, "intermediate_size_mlp", where).value_or(16384);
    ArchSpec s = readLlamaStyle(d, where, "llama4_text");
    wholeHeadRotary(s, where);
    s.rotaryInterleaved = true;
    s.rotaryInFp32 = true;
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.noRopeLayers = readNoRopeLayers(c, s.layers, where, true);
    s.names.gate = "feed_forward.gate_proj";
    s.names.up = "feed_forward.up_proj";
    s.names.down = "feed_forward.down_proj";

    const bool chunkSet =
        !c.contains("attention_chunk_size") || !c["attention_chunk_size"].is_null();
    const int64_t chunk = jsonInt(c, "attention_chunk_size", where).value_or(8192);
    if (chunkSet && chunk <= 0) {
        throw InputError("absurd config: attention_chunk_size " + std::to_string(chunk), where,
                         "attention_chunk_size must be a positive number of tokens or null");
    }
    s.chunkedLayers = chunkedLayers(c, s.noRopeLayers, chunkSet, where);
    s.attentionChunk = chunkSet ? chunk : 0;

    if (jsonBool(c, "use_qk_norm", where).value_or(true)) {
        s.qkNorm = true;
        s.qkNormKind = ArchSpec::QkNormKind::RmsNoWeight;
        s.qkNormAfterRotary = true;
        s.qkNormRopeLayersOnly = true;
    }
    if (jsonBool(c, "attn_temperature_tuning", where).value_or(true)) {
        const int64_t floorScale = jsonInt(c, "floor_scale", where).value_or(8192);
        if (floorScale <= 0) {
            throw InputError("absurd config: floor_scale " + std::to_string(floorScale), where,
                             "floor_scale must be a positive number of tokens in config.json");
        }
        s.queryTemperatureBeta = jsonNumber(c, "attn_scale", where).value_or(0.1);
        s.queryTemperatureFloor = floorScale;
        s.queryTemperatureOffset = 1;
        s.queryTemperatureNoRopeOnly = true;
        s.queryTemperatureInFp32 = true;
    }
    readExperts(c, where, s);
    return s;
}

}  // namespace llmap
