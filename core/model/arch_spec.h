#pragma once
// A decoder-only transformer described as data: which blocks it uses and where its weights are.
// Each architecture (architectures/*.cpp) turns a config.json into one of these; the torch side
// (causal_lm.cpp) runs any ArchSpec. No torch here.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace llmap {

enum class NormKind { RMS, Layer };
// XIELU: xIELU with per-layer learned parameters (Apertus), never through blocks::activate.
// ClampedSwiGLU: a gated MLP's (clamp(up) + 1) * swish of the clamped gate (gpt-oss), through
// blocks::gatedActivation only.
enum class Activation { SiLU, Gelu, GeluTanh, ReLU, XIELU, ClampedSwiGLU };
// Separate q/k/v projections; one fused projection with [q; k; v] stacked (GPT-2); one fused
// projection laid out per head as [head][q|k|v] (GPT-NeoX); one fused projection laid out per
// key/value group as [group][q_0..q_{g-1}|k|v] (Falcon's new decoder architecture).
enum class QkvLayout { Separate, FusedStacked, FusedPerHead, FusedGrouped };
enum class Positions { Rotary, Learned, Alibi };
enum class RopeScaling { None, Linear, Llama3 };
// What mixes a layer's positions: attention, or the recurrent or convolutional mixer of a hybrid
// model (model/sequence_mixer.h).
enum class Mixer { Attention, GatedDeltaNet, ShortConv, Mamba2 };

// LFM2's short convolution (Mixer::ShortConv): "<prefix>in_proj", "<prefix>conv" (a depthwise
// convolution of `kernel` taps) and "<prefix>out_proj", all three with biases when `bias`.
struct ShortConvSpec {
    int64_t kernel = 0;
    bool bias = false;
    std::string prefix;
};

// ALiBi slopes: BLOOM's; Falcon's (BLOOM's rounded to bf16 and scaled with the scores); MPT's
// (alibi_bias_max 8).
enum class AlibiStyle { Bloom, Falcon, Mpt };

// The gated DeltaNet mixer (Qwen3-Next, Qwen3.5; model/mixers/gated_deltanet.h): keyHeads query
// and key heads of keyDim channels, valueHeads value heads of valueDim (a multiple of keyHeads),
// a depthwise causal convolution of convKernel taps over [q | k | v]. perKeyHeadLayout:
// Qwen3-Next's fused in_proj_qkvz and in_proj_ba, laid out per key head; otherwise Qwen3.5's
// in_proj_qkv, in_proj_z, in_proj_b and in_proj_a.
struct DeltaNetSpec {
    int64_t keyHeads = 0, valueHeads = 0, keyDim = 0, valueDim = 0, convKernel = 0;
    bool perKeyHeadLayout = false;
};

// A Mamba-2 mixer (Mixer::Mamba2, model/mixers/mamba2.h): in_proj -> [z | x B C | dt], a causal
// depthwise convolution with SiLU over x B C, the selective scan over `heads` heads of headDim
// channels with `groups` groups of B and C of stateSize each, a D skip, the gate z (through a
// grouped RMSNorm when gatedNorm) and out_proj. Weights "<prefix>in_proj", "conv1d", "dt_bias",
// "A_log", "D", "norm", "out_proj". Falcon-H1's muP multipliers: the input times inMultiplier,
// in_proj's five parts [z | x | B | C | dt] times projMultipliers (empty: none), the output times
// outMultiplier.
struct Mamba2Spec {
    int64_t heads = 0, headDim = 0, groups = 1, stateSize = 0, convKernel = 4, chunk = 256;
    bool convBias = true, inBias = false, outBias = false;
    bool gatedNorm = true, normBeforeGate = false;
    double timeStepMin = 0.0, timeStepMax = std::numeric_limits<double>::infinity();  // dt's range
    double normEps = 1e-6, inMultiplier = 1.0, outMultiplier = 1.0;
    std::vector<double> projMultipliers;
    std::string prefix = "mamba.";
};

struct RopeSpec {
    int64_t dim = 0;  // rotated channels per head (< headDim for partial rotary)
    double theta = 10000.0;
    RopeScaling scaling = RopeScaling::None;
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int64_t originalContext = 8192;
    // The last pairs of channels turn at frequency 0, i.e. not at all, while the others keep the
    // frequencies of a rotary over `dim` (Gemma-4's "proportional" rotary).
    int64_t unrotatedPairs = 0;
};

// Weight names, relative to `layerPrefix` + layer index + "." for the per-layer ones. A linear
// layer is named without ".weight"/".bias"; "" means the architecture has no such weight.
struct WeightNames {
    std::string basePrefix;  // e.g. "model."; checkpoints saved without it are found as well
    std::string embed, positions, finalNorm, lmHead;
    std::string layerPrefix;
    std::string inputNorm, postNorm;
    std::string q, k, v, qkv, o, qNorm, kNorm;
    std::string gate, up, down;
    // Prefixes a multimodal wrapper puts before the language model's names (Gemma-3's
    // "language_model."), tried before the names as they are.
    std::vector<std::string> wrappers;
};

struct ArchSpec {
    std::string family;
    int64_t hidden = 0, layers = 0, heads = 0, kvHeads = 0, headDim = 0, intermediate = 0;
    int64_t vocab = 0, context = 0;
    NormKind norm = NormKind::RMS;
    double normEps = 1e-6;
    Positions positions = Positions::Rotary;
    RopeSpec rope;
    QkvLayout qkvLayout = QkvLayout::Separate;
    bool qkvBias = false, oBias = false, mlpBias = false;
    bool qkNorm = false;   // RMSNorm over each head's q and k (Qwen3)
    bool conv1d = false;   // weights stored [in, out] (GPT-2's Conv1D)
    bool gatedMlp = true;  // down(act(gate(x)) * up(x)) versus down(act(up(x)))
    Activation activation = Activation::SiLU;
    bool parallelResidual = false;  // x + attn(n1(x)) + mlp(n2(x))
    bool tiedEmbeddings = false;
    std::vector<int64_t> slidingWindow;  // per layer; 0 = full causal attention
    WeightNames names;

    // ALiBi, learned-position and layout variants
    AlibiStyle alibi = AlibiStyle::Bloom;  // slopes and rounding when positions == Alibi
    int64_t positionOffset = 0;            // learned positions start at this row (OPT: 2)
    bool rotaryInterleaved = false;     // rotate pairs (0,1), (2,3), ... instead of halves (GPT-J)
    double attentionScale = 0.0;        // softmax scale; 0 = 1/sqrt(headDim) (GPT-Neo: 1; Gemma-2)
    double clipQkv = 0.0;               // clamp q, k, v to [-clipQkv, clipQkv]; 0 = off (MPT)
    bool normBias = true;               // LayerNorms carry a bias (MPT: no)
    bool sharedNorm = false;            // parallel block fed by the input norm alone (GPT-J)
    bool normAfterResidual = false;     // norm after each residual add (OPT-350m)
    bool residualFromNorm = false;      // residual taken after the norm (BLOOM option)
    int64_t embedDim = 0;               // token embedding width when != hidden (OPT project_in/out)
    std::string embedNorm;              // LayerNorm on the token embeddings (BLOOM); "" = none
    std::string projectIn, projectOut;  // linear maps embedDim <-> hidden, without ".weight"
    std::string lmHeadBias;             // bias of the output head (GPT-J); "" = none
    // Gemma, Phi, OLMo and mixture-of-experts variants
    // How RMSNorm applies its weight: Llama casts back before the weight; Gemma scales by
    // (1 + weight) in fp32; OLMo-2 multiplies the weight in fp32, then casts back.
    enum class RmsStyle { Llama, PlusOne, WeightInFp32 };
    RmsStyle rmsStyle = RmsStyle::Llama;
    bool normAffine = true;     // false: LayerNorm in fp32 without weight or bias (OLMo)
    double embedScale = 0.0;    // > 0: token embeddings times this, in the model's dtype (Gemma)
    double attnSoftcap = 0.0;   // > 0: scores = cap * tanh(scores / cap) (Gemma-2)
    double finalSoftcap = 0.0;  // > 0: the same on the output logits (Gemma-2)
    // Layer layouts beyond pre-norm and parallelResidual: Gemma-2 normalises before and after
    // attention and MLP ("sandwich"); OLMo-2 only after; Phi and parallel StableLM feed attention
    // and MLP from the one input norm.
    bool sandwichNorms = false, postNormsOnly = false;  // sharedNorm: see above
    std::string preMlpNorm, postMlpNorm;                // weight names of the extra norms
    // Which norm qkNorm means: RMS per head (Qwen3), RMS over the whole projection (OLMo-2),
    // one LayerNorm with bias shared by the heads (Phi), one bias-free LayerNorm per head
    // (StableLM, weights "<name>.norms.<h>.weight"), one bias-free LayerNorm per head computed
    // in fp32 with the heads' weights in one [heads, headDim] tensor (Cohere).
    // RmsNoWeight: RMS per head without a weight (Llama-4's L2 norm).
    enum class QkNormKind {
        RmsPerHead,
        RmsFull,
        LayerShared,
        LayerPerHead,
        LayerPerHeadFp32,
        RmsNoWeight
    };
    QkNormKind qkNormKind = QkNormKind::RmsPerHead;
    bool qkNormAfterRotary = false;  // q and k normalised after the rotary, not before (HunYuan)
    bool fusedGateUp = false;        // one projection "up" holding [gate; up] (Phi-3)
    // Phi-3 LongRoPE: the rotary frequencies divided by ropeShortFactor for a text of up to
    // longRopeContext tokens and by ropeLongFactor beyond; cos and sin scaled by
    // ropeAttentionFactor. Empty factors: plain rotary as described by `rope`.
    std::vector<double> ropeShortFactor, ropeLongFactor;
    int64_t longRopeContext = 0;
    double ropeAttentionFactor = 1.0;
    // Sparse mixture of experts (Mixtral): `experts` > 0 replaces the MLP by a router
    // "<moeRouter>" over experts "<moeExperts><e>.<moeGate|moeUp|moeDown>", each an MLP of
    // `intermediate` channels; the top expertsPerToken by softmax probability, renormalised.
    int64_t experts = 0, expertsPerToken = 0;
    std::string moeRouter, moeExperts, moeGate, moeUp, moeDown;
    // DeepSeek-V2's mixture: the first `denseLayers` layers keep a plain MLP; experts have
    // moeIntermediate channels; an always-on shared MLP "<moeShared>" of sharedIntermediate
    // channels is added; the router runs in fp32; with expertGroups > 1 only the topkGroups
    // groups with the best expert are eligible; the routed weights are renormalised only with
    // normTopk and then multiplied by routedScale.
    int64_t denseLayers = 0, moeIntermediate = 0, sharedIntermediate = 0;
    int64_t expertGroups = 1, topkGroups = 1;
    bool normTopk = true, routerInFp32 = false;
    double routedScale = 1.0;
    std::string moeShared;
    // How the router scores the experts: a softmax over its logits, or a sigmoid of each
    // (DeepSeek-V3, GLM-4-MoE). With moeCorrectionBias ("<moeRouter>.<moeCorrectionBias>", one
    // fp32 value per expert) the scores plus that bias choose the experts and rank the groups,
    // while the chosen experts are weighted by their unbiased scores. Groups are ranked by the sum
    // of their groupRankTop best scores (DeepSeek-V2: the best one; V3: the best two). With
    // routerInFp32, the router's weights are kept in fp32 whatever the model's dtype, as
    // transformers keeps them.
    enum class RouterScoring { Softmax, Sigmoid };
    RouterScoring routerScoring = RouterScoring::Softmax;
    std::string moeCorrectionBias;
    int64_t groupRankTop = 1;
    // Qwen-MoE and OLMoE: the layers marked true in denseMlpLayers keep a plain MLP of
    // `intermediate` channels (Qwen's mlp_only_layers and decoder_sparse_step); the routed
    // weights are rounded to the model's dtype before they scale the experts' outputs
    // (routedInModelDtype); the shared MLP's output is scaled by sigmoid(<moeSharedGate>(x)) when
    // moeSharedGate is set. Experts are found under their per-expert names, or stored as 3-D
    // tensors: "<moeExperts>gate_up_proj" [experts, 2 I, hidden] with "<moeExperts>down_proj"
    // [experts, hidden, I] (transformers 5), or "<moeExperts><moeGate|moeUp|moeDown>.weight"
    // (GGUF's stacked experts).
    std::vector<bool> denseMlpLayers;
    bool routedInModelDtype = false;
    std::string moeSharedGate;
    // GraniteMoE: the router's k largest logits softmaxed (rather than the k largest
    // probabilities); the experts' 3-D tensors named "<moeExperts>input_linear.weight" and
    // "<moeExperts>output_linear.weight" (moeFusedExperts) instead of gate_up_proj and down_proj.
    bool softmaxAfterTopk = false, moeFusedExperts = false;
    // DeepSeek-V2 multi-head latent attention (kvLoraRank > 0): q = q_b(RMSNorm(q_a(x))) (or
    // q_proj when qLoraRank is 0); kv_a(x) = [latent | one rotary key shared by the heads];
    // kv_b(RMSNorm(latent)) = per head [k without position | v]. Rotary on interleaved pairs.
    int64_t qLoraRank = 0, kvLoraRank = 0, qkNopeDim = 0, qkRopeDim = 0, vHeadDim = 0;
    // Gemma-3: the layers marked in localRopeLayers (its sliding ones) rotate with `localRope`,
    // the others with `rope`. Empty: every layer rotates with `rope`.
    std::vector<bool> localRopeLayers;
    RopeSpec localRope;
    // Layers marked true here use no positional rotation at all (NoPE: SmolLM3, Cohere-2, Llama-4).
    // Empty: every layer rotates.
    std::vector<bool> noRopeLayers;
    // Granite's multipliers and the output scales. The token embeddings and each block's output
    // (before its residual add) are multiplied by a scalar in the model's dtype; the logits are
    // multiplied by logitScale (Cohere) and divided by logitsDivisor (Granite's logits_scaling).
    double embedMultiplier = 1.0, residualMultiplier = 1.0;
    double logitScale = 1.0, logitsDivisor = 1.0;
    bool rotaryInFp32 = false;  // q and k rotated in fp32, then cast back (Cohere)
    // Apertus's xIELU (activation XIELU): per layer "<xieluPrefix>.alpha_p", ".alpha_n", ".beta"
    // and ".eps"; transformers' initial beta and eps where the checkpoint has none.
    std::string xieluPrefix;
    // gpt-oss. attnSinks: each layer's "<attnSinks>" [heads], one logit per head that joins each
    // query's softmax (blocks/attention_sinks.h); "" = none. The clamped SwiGLU's alpha and limit.
    // The router "<moeRouter>.bias" (moeRouterBias); each expert projection's bias (moeExpertBias):
    // "<name>_bias" beside the 3-D tensors, "<moeExperts><moeGate|moeUp|moeDown>.bias" beside
    // GGUF's stacked ones. moeInterleavedGateUp: "<moeExperts>gate_up_proj" is stored
    // [experts, hidden, 2 I] (x W) with gate and up in alternate columns, and "down_proj"
    // [experts, I, hidden].
    std::string attnSinks;
    double swigluAlpha = 1.702, swigluLimit = 7.0;
    bool moeRouterBias = false, moeExpertBias = false, moeInterleavedGateUp = false;
    // Gemma-4. Per-layer attention and MLP shapes (empty: headDim, kvHeads and intermediate on
    // every layer); each rotary table spans the head of the layers that use it.
    std::vector<int64_t> layerHeadDims, layerKvHeads, layerIntermediates;
    // KV sharing: the layer whose keys and values each layer attends to (its own index: its own).
    // A layer reading another's has only q and o weights. Empty: each its own.
    std::vector<int64_t> kvSourceLayers;
    // The layers marked true use their raw key projection as values (no v weights); valueNorm:
    // the values RMS-normalised per head without a weight.
    std::vector<bool> valueFromKeyLayers;
    bool valueNorm = false;
    // Per layer, a [1] weight "<layerScalar>" multiplying the residual stream after the layer.
    std::string layerScalar;
    // Per-layer embeddings (PLE, perLayerInputDim > 0); see blocks/per_layer_inputs.h.
    int64_t perLayerInputDim = 0, perLayerVocab = 0;
    // Experts beside the dense MLP (expertsBesideMlp); see blocks/experts_beside_mlp.h. Uses
    // experts, expertsPerToken, moeIntermediate, moeRouter and moeExperts.
    bool expertsBesideMlp = false;
    // Token ids read as placeholderPad (the multimodal Gemma-4 embeds the image, video and audio
    // placeholder tokens of a text-only input as padding).
    std::vector<int64_t> placeholderIds;
    int64_t placeholderPad = 0;
    // Hybrid models: each layer's sequence mixer. Empty: every layer attends.
    std::vector<Mixer> layerMixers;
    DeltaNetSpec deltaNet;
    // q_proj yields per head [q | gate]; attention's output is multiplied by sigmoid(gate)
    // before o_proj (Qwen3-Next's gated attention).
    bool attnOutputGate = false;
    ShortConvSpec shortConv;
    // LFM2-MoE: the sigmoid router's correction bias by its name relative to the layer (fp32, one
    // value per expert; see moeCorrectionBias), and the epsilon added to the sum that
    // renormalises a sigmoid router's weights.
    std::string moeLayerCorrectionBias;
    double sigmoidNormEps = 1e-20;
    Mamba2Spec mamba2;
    // Falcon-H1: a layer with a sequence mixer attends as well, on the same normalised input; the
    // mixer's output plus attentionOutMultiplier * attention(attentionInMultiplier * input) joins
    // the residual stream. Its other muP multipliers: keys times keyMultiplier (before the
    // rotary), the MLP's gate times mlpGateMultiplier (before the activation), the MLP's output
    // times mlpDownMultiplier.
    bool mixerWithAttention = false;
    double attentionInMultiplier = 1.0, attentionOutMultiplier = 1.0, keyMultiplier = 1.0;
    double mlpGateMultiplier = 1.0, mlpDownMultiplier = 1.0;
    // Llama-4 and Ministral-3 (blocks/chunked_attention.h, blocks/query_temperature.h): the
    // layers marked in chunkedLayers attend only to keys of their own chunk of attentionChunk
    // positions (0 = none); qkNormRopeLayersOnly: the q/k norm skips the NoPE layers.
    int64_t attentionChunk = 0;
    std::vector<bool> chunkedLayers;
    bool qkNormRopeLayersOnly = false;
    // Queries scaled by position: 1 + queryTemperatureBeta * log(1 + floor((position +
    // queryTemperatureOffset) / queryTemperatureFloor)), 0 = off; on the NoPE layers only with
    // queryTemperatureNoRopeOnly; the product in fp32, then cast back (Llama-4), or the scale cast
    // to the model's dtype first (Ministral-3).
    double queryTemperatureBeta = 0.0;
    int64_t queryTemperatureFloor = 1, queryTemperatureOffset = 0;
    bool queryTemperatureNoRopeOnly = false, queryTemperatureInFp32 = false;
    // Llama-4's experts: each expert's input (not its output) scaled by its routed weight
    // (moeScaleInput); 3-D experts stored input-major, gate_up_proj [experts, hidden, 2 I] and
    // down_proj [experts, I, hidden] (moeExpertsInputMajor). ERNIE-4.5's: biases on the shared
    // experts' projections (moeSharedBias), the correction bias stored as [1, experts]
    // (moeCorrectionBiasRow), the renormalising sum clamped to at least normTopkMin.
    bool moeScaleInput = false, moeExpertsInputMajor = false, moeSharedBias = false;
    bool moeCorrectionBiasRow = false;
    double normTopkMin = 0.0;
};

}  // namespace llmap
