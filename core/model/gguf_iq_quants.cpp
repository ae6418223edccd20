#include "model/gguf_iq_quants.h"

#include <cstdint>
#include <cstring>

#include "model/gguf_iq_grids.h"
#include "model/gguf_quants.h"

namespace llmap {

namespace {

constexpr int8_t kValuesIq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                     1,    13,   25,  38,  53,  69,  89,  113};
// Twice the e2m1 values, as ggml's kvalues_mxfp4 (the block scale is halved to match).
constexpr int8_t kValuesMxfp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
constexpr float kIq1sDelta = 0.125f;

uint16_t u16(const unsigned char* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

uint32_t u32(const unsigned char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

float f16(const unsigned char* p) {
    return halfToFloat(u16(p));
}

// Value j of a grid row (byte j, little-endian).
float gridValue(uint64_t row, int j) {
    return static_cast<float>(static_cast<uint8_t>(row >> (8 * j)));
}

float signedGridValue(uint64_t row, int j) {
    return static_cast<float>(static_cast<int8_t>(static_cast<uint8_t>(row >> (8 * j))));
}

float sign(uint8_t signs, int j) {
    return (signs >> j) & 1 ? -1.f : 1.f;
}

// One base-3 digit of a TQ1_0 byte: the byte holds digits as a fixed-point fraction of 243.
float ternary(uint8_t byte, uint8_t power, float d) {
    const auto q = static_cast<uint8_t>(byte * power);
    const int xi = (static_cast<uint16_t>(q) * 3) >> 8;
    return static_cast<float>(xi - 1) * d;
}

}  // namespace

// ggml_e8m0_to_fp32_half: 2^(x - 128), subnormal for x < 2.
float e8m0Half(unsigned char x) {
    const uint32_t bits = x < 2 ? 0x00200000u << x : static_cast<uint32_t>(x - 1) << 23;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float mxfp4DoubledValue(unsigned char code) {
    return static_cast<float>(kValuesMxfp4[code & 0xF]);
}

void dequantizeIq2Xxs(const unsigned char* b, float* y) {
    const float d = f16(b);
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        const unsigned char* q = b + 2 + 8 * ib32;
        const uint32_t aux = u32(q + 4);
        const float db = d * (0.5f + static_cast<float>(aux >> 28)) * 0.25f;
        for (int l = 0; l < 4; ++l) {
            const uint64_t grid = kIq2xxsGrid[q[l]];
            const uint8_t signs = kKsignsIq2xs[(aux >> (7 * l)) & 127];
            for (int j = 0; j < 8; ++j) y[j] = db * gridValue(grid, j) * sign(signs, j);
            y += 8;
        }
    }
}

void dequantizeIq2Xs(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    const unsigned char* scales = b + 66;
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        const float db[2] = {d * (0.5f + static_cast<float>(scales[ib32] & 0xF)) * 0.25f,
                             d * (0.5f + static_cast<float>(scales[ib32] >> 4)) * 0.25f};
        for (int l = 0; l < 4; ++l) {
            const uint16_t q = u16(qs + 2 * (4 * ib32 + l));
            const uint64_t grid = kIq2xsGrid[q & 511];
            const uint8_t signs = kKsignsIq2xs[q >> 9];
            for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * gridValue(grid, j) * sign(signs, j);
            y += 8;
        }
    }
}

void dequantizeIq2S(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    const unsigned char* signs = qs + 32;
    const unsigned char* qh = b + 66;
    const unsigned char* scales = b + 74;
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        const float db[2] = {d * (0.5f + static_cast<float>(scales[ib32] & 0xF)) * 0.25f,
                             d * (0.5f + static_cast<float>(scales[ib32] >> 4)) * 0.25f};
        for (int l = 0; l < 4; ++l) {
            const uint64_t grid = kIq2sGrid[qs[l] | ((qh[ib32] << (8 - 2 * l)) & 0x300)];
            for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * gridValue(grid, j) * sign(signs[l], j);
            y += 8;
        }
        qs += 4;
        signs += 4;
    }
}

void dequantizeIq3Xxs(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    const unsigned char* scalesAndSigns = qs + 64;
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        const uint32_t aux = u32(scalesAndSigns + 4 * ib32);
        const float db = d * (0.5f + static_cast<float>(aux >> 28)) * 0.5f;
        for (int l = 0; l < 4; ++l) {
            const uint8_t signs = kKsignsIq2xs[(aux >> (7 * l)) & 127];
            const uint64_t grid1 = kIq3xxsGrid[qs[2 * l]];
            const uint64_t grid2 = kIq3xxsGrid[qs[2 * l + 1]];
            for (int j = 0; j < 4; ++j) {
                y[j] = db * gridValue(grid1, j) * sign(signs, j);
                y[j + 4] = db * gridValue(grid2, j) * sign(signs, j + 4);
            }
            y += 8;
        }
        qs += 8;
    }
}

void dequantizeIq3S(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    const unsigned char* qh = b + 66;
    const unsigned char* signs = b + 74;
    const unsigned char* scales = b + 106;
    for (int ib32 = 0; ib32 < 8; ib32 += 2) {
        const float db[2] = {d * static_cast<float>(1 + 2 * (scales[ib32 / 2] & 0xF)),
                             d * static_cast<float>(1 + 2 * (scales[ib32 / 2] >> 4))};
        for (int half = 0; half < 2; ++half) {
            for (int l = 0; l < 4; ++l) {
                const uint64_t grid1 = kIq3sGrid[qs[2 * l] | ((qh[half] << (8 - 2 * l)) & 256)];
                const uint64_t grid2 = kIq3sGrid[qs[2 * l + 1] | ((qh[half] << (7 - 2 * l)) & 256)];
                for (int j = 0; j < 4; ++j) {
                    y[j] = db[half] * gridValue(grid1, j) * sign(signs[l], j);
                    y[j + 4] = db[half] * gridValue(grid2, j) * sign(signs[l], j + 4);
                }
                y += 8;
            }
            qs += 8;
            signs += 4;
        }
        qh += 2;
    }
}

void dequantizeIq1S(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    for (int ib = 0; ib < 8; ++ib) {
        const uint16_t qh = u16(b + 34 + 2 * ib);
        const float dl = d * static_cast<float>(2 * ((qh >> 12) & 7) + 1);
        const float delta = qh & 0x8000 ? -kIq1sDelta : kIq1sDelta;
        for (int l = 0; l < 4; ++l) {
            const uint64_t grid = kIq1sGrid[qs[l] | (((qh >> (3 * l)) & 7) << 8)];
            for (int j = 0; j < 8; ++j) y[j] = dl * (signedGridValue(grid, j) + delta);
            y += 8;
        }
        qs += 4;
    }
}

void dequantizeIq1M(const unsigned char* b, float* y) {
    const unsigned char* qs = b;
    const unsigned char* qh = b + 32;
    uint16_t sc[4];
    std::memcpy(sc, b + 48, 8);
    // The f16 block scale is spread over the top nibbles of the four scale words.
    const auto scale = static_cast<uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00F0) |
                                             ((sc[2] >> 4) & 0x0F00) | (sc[3] & 0xF000));
    const float d = halfToFloat(scale);
    for (int ib = 0; ib < 8; ++ib) {
        const int shift = 6 * (ib % 2);
        const float dl[2] = {d * static_cast<float>(2 * ((sc[ib / 2] >> shift) & 7) + 1),
                             d * static_cast<float>(2 * ((sc[ib / 2] >> (shift + 3)) & 7) + 1)};
        const int index[4] = {qs[0] | ((qh[0] << 8) & 0x700), qs[1] | ((qh[0] << 4) & 0x700),
                              qs[2] | ((qh[1] << 8) & 0x700), qs[3] | ((qh[1] << 4) & 0x700)};
        const float delta[4] = {
            qh[0] & 0x08 ? -kIq1sDelta : kIq1sDelta, qh[0] & 0x80 ? -kIq1sDelta : kIq1sDelta,
            qh[1] & 0x08 ? -kIq1sDelta : kIq1sDelta, qh[1] & 0x80 ? -kIq1sDelta : kIq1sDelta};
        for (int l = 0; l < 4; ++l) {
            const uint64_t grid = kIq1sGrid[index[l]];
            for (int j = 0; j < 8; ++j) y[j] = dl[l / 2] * (signedGridValue(grid, j) + delta[l]);
            y += 8;
        }
        qs += 4;
        qh += 2;
    }
}

void dequantizeIq4Nl(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(kValuesIq4nl[qs[j] & 0xF]);
        y[j + 16] = d * static_cast<float>(kValuesIq4nl[qs[j] >> 4]);
    }
}

void dequantizeIq4Xs(const unsigned char* b, float* y) {
    const float d = f16(b);
    const uint16_t scalesHigh = u16(b + 2);
    const unsigned char* scalesLow = b + 4;
    const unsigned char* qs = b + 8;
    for (int ib = 0; ib < 8; ++ib) {
        const int ls =
            ((scalesLow[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scalesHigh >> (2 * ib)) & 3) << 4);
        const float dl = d * static_cast<float>(ls - 32);
        for (int j = 0; j < 16; ++j) {
            y[j] = dl * static_cast<float>(kValuesIq4nl[qs[j] & 0xF]);
            y[j + 16] = dl * static_cast<float>(kValuesIq4nl[qs[j] >> 4]);
        }
        y += 32;
        qs += 16;
    }
}

void dequantizeTq1_0(const unsigned char* b, float* y) {
    const unsigned char* qs = b;  // 48 bytes of 5 digits each, then 4 of 4 digits each
    const unsigned char* qh = b + 48;
    const float d = f16(b + 52);
    const uint8_t pow3[5] = {1, 3, 9, 27, 81};
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 32; ++m) *y++ = ternary(qs[m], pow3[n], d);
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 16; ++m) *y++ = ternary(qs[32 + m], pow3[n], d);
    for (int n = 0; n < 4; ++n)
        for (int j = 0; j < 4; ++j) *y++ = ternary(qh[j], pow3[n], d);
}

void dequantizeTq2_0(const unsigned char* b, float* y) {
    const float d = f16(b + 64);
    for (int j = 0; j < 64; j += 32) {
        for (int l = 0; l < 4; ++l) {
            for (int m = 0; m < 32; ++m) {
                const int q = (b[j + m] >> (2 * l)) & 3;
                *y++ = static_cast<float>(q - 1) * d;
            }
        }
    }
}

void dequantizeMxfp4(const unsigned char* b, float* y) {
    const float d = e8m0Half(b[0]);
    const unsigned char* qs = b + 1;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(kValuesMxfp4[qs[j] & 0xF]) * d;
        y[j + 16] = static_cast<float>(kValuesMxfp4[qs[j] >> 4]) * d;
    }
}

}  // namespace llmap
