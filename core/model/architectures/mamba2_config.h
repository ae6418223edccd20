#pragma once
// The Mamba-2 mixer's settings shared by Falcon-H1 and GraniteMoeHybrid, read from config.json.
#include <nlohmann/json.hpp>
#include <string>

#include "model/arch_spec.h"

namespace llmap {

// mamba_n_heads, mamba_d_head ("auto": inner / heads), mamba_n_groups, mamba_d_state, mamba_d_conv,
// mamba_chunk_size, mamba_conv_bias, mamba_proj_bias (in_proj's bias) and time_step_limit, for
// `inner` channels; the RMSNorm's eps from rms_norm_eps (`defaultEps` when absent). InputError for
// sizes that do not fit together and for a convolution activation other than SiLU.
Mamba2Spec readMamba2(const nlohmann::json& config, int64_t inner, double defaultEps,
                      const std::string& where);

// mamba_expand * hidden_size, the mixer's inner width where the family has no other setting.
int64_t mambaExpandedWidth(const nlohmann::json& config, int64_t hidden, const std::string& where);

}  // namespace llmap
