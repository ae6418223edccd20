#pragma once
// The roles of GGUF tensors and their names, as llama.cpp's LLM_TENSOR_NAMES
// (src/llama-arch.cpp) spells them, with the name the role usually has in a Hugging Face
// checkpoint of the Llama layout. The same role has the same GGUF name in every architecture.
#include <string>

namespace llmap {

enum class GgufRole {
    TokenEmbd,
    PositionEmbd,
    OutputNorm,
    Output,
    RopeFreqs,
    AttnNorm,
    AttnQ,
    AttnK,
    AttnV,
    AttnQkv,
    AttnOutput,
    AttnQNorm,
    AttnKNorm,
    AttnQA,
    AttnQANorm,
    AttnQB,
    AttnKvAMqa,
    AttnKvANorm,
    AttnKvB,
    AttnKB,  // llama.cpp's split of kv_b_proj (joined back with AttnVB)
    AttnVB,
    AttnPostNorm,
    AttnSinks,
    FfnNorm,
    FfnPostNorm,
    FfnGate,
    FfnUp,
    FfnDown,
    FfnGateInp,
    FfnGateExps,
    FfnUpExps,
    FfnDownExps,
    FfnGateInpShexp,
    FfnGateShexp,
    FfnUpShexp,
    FfnDownShexp,
    AttnGate,  // the gated DeltaNet's z projection
    SsmConv1d,
    SsmDt,
    SsmA,
    SsmBeta,
    SsmAlpha,
    SsmBetaAlpha,  // Qwen3-Next's fused in_proj_ba
    SsmNorm,
    SsmOut,
};

struct GgufRoleName {
    GgufRole role;
    const char* gguf;  // without ".weight"/".bias"; "%d" for the block
    const char* hf;    // usual Hugging Face name: whole for a global, after "<prefix>N." in a block
};

const GgufRoleName& ggufRoleName(GgufRole role);
bool ggufRoleIsPerBlock(GgufRole role);

// The role named by a GGUF tensor stem ("blk.3.attn_q" -> AttnQ with block 3, "output_norm" ->
// OutputNorm with block -1); false for a name of no role.
bool ggufRoleOf(const std::string& stem, GgufRole& role, int64_t& block);

// The GGUF stem of a role ("blk.3.attn_q").
std::string ggufTensorStem(GgufRole role, int64_t block = -1);

}  // namespace llmap
