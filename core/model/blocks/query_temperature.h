#pragma once
// Attention temperature by position (Llama-4's attn_temperature_tuning, Ministral-3's
// llama_4_scaling_beta): queries scaled by 1 + beta * log(1 + floor((position + offset) / floor)),
// which sharpens attention far into a long text and is 1 for the first floor positions.
#include <ATen/ATen.h>

namespace llmap::blocks {

// The scales [1, 1, T, 1] in fp32 of positions first..first+T-1.
at::Tensor queryTemperature(int64_t first, int64_t T, double beta, int64_t floor, int64_t offset,
                            at::Device device);

// q [B, H, T, D] times the scales: in fp32 and cast back with `inFp32`, else with the scales cast
// to q's dtype first.
at::Tensor scaleQueries(const at::Tensor& q, const at::Tensor& scales, bool inFp32);

}  // namespace llmap::blocks
