#pragma once
// Block decoders of ggml's IQ, ternary (TQ1_0, TQ2_0) and MXFP4 types, bit for bit as ggml's
// reference dequantize_row_* (ggml-quants.c) and the gguf package's quants.py define them. Each
// writes one block's values (32 for IQ4_NL and MXFP4, 256 for the others) from its bytes.

namespace llmap {

void dequantizeIq2Xxs(const unsigned char* block, float* y);
void dequantizeIq2Xs(const unsigned char* block, float* y);
void dequantizeIq2S(const unsigned char* block, float* y);
void dequantizeIq3Xxs(const unsigned char* block, float* y);
void dequantizeIq3S(const unsigned char* block, float* y);
void dequantizeIq1S(const unsigned char* block, float* y);
void dequantizeIq1M(const unsigned char* block, float* y);
void dequantizeIq4Nl(const unsigned char* block, float* y);
void dequantizeIq4Xs(const unsigned char* block, float* y);
void dequantizeTq1_0(const unsigned char* block, float* y);
void dequantizeTq2_0(const unsigned char* block, float* y);
void dequantizeMxfp4(const unsigned char* block, float* y);

// ggml's MXFP4 arithmetic, which the MXFP4 safetensors weights share: an FP4 E2M1 code's value
// doubled (kvalues_mxfp4) times an E8M0 scale byte halved (2^(scale - 128)) is the value.
float mxfp4DoubledValue(unsigned char code);
float e8m0Half(unsigned char scale);

}  // namespace llmap
