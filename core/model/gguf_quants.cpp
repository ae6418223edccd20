#include "model/gguf_quants.h"

#include <cstring>

#include "model/gguf_iq_quants.h"

namespace llmap {

namespace {

constexpr GgmlType kTypes[] = {
    {0, "F32", 1, 4, true},         {1, "F16", 1, 2, true},         {2, "Q4_0", 32, 18, true},
    {3, "Q4_1", 32, 20, true},      {6, "Q5_0", 32, 22, true},      {7, "Q5_1", 32, 24, true},
    {8, "Q8_0", 32, 34, true},      {9, "Q8_1", 32, 36, false},     {10, "Q2_K", 256, 84, true},
    {11, "Q3_K", 256, 110, true},   {12, "Q4_K", 256, 144, true},   {13, "Q5_K", 256, 176, true},
    {14, "Q6_K", 256, 210, true},   {15, "Q8_K", 256, 292, false},  {16, "IQ2_XXS", 256, 66, true},
    {17, "IQ2_XS", 256, 74, true},  {18, "IQ3_XXS", 256, 98, true}, {19, "IQ1_S", 256, 50, true},
    {20, "IQ4_NL", 32, 18, true},   {21, "IQ3_S", 256, 110, true},  {22, "IQ2_S", 256, 82, true},
    {23, "IQ4_XS", 256, 136, true}, {24, "I8", 1, 1, false},        {25, "I16", 1, 2, false},
    {26, "I32", 1, 4, false},       {27, "I64", 1, 8, false},       {28, "F64", 1, 8, false},
    {29, "IQ1_M", 256, 56, true},   {30, "BF16", 1, 2, true},       {34, "TQ1_0", 256, 54, true},
    {35, "TQ2_0", 256, 66, true},   {39, "MXFP4", 32, 17, true},
};

uint16_t u16(const unsigned char* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

float f16(const unsigned char* p) {
    return halfToFloat(u16(p));
}

// Scale and min j (0..7) of a Q4_K/Q5_K super-block, 6 bits each packed in 12 bytes.
void scaleMinK4(int j, const unsigned char* q, uint8_t& d, uint8_t& m) {
    if (j < 4) {
        d = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        d = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void q4_0(const unsigned char* b, float* y) {
    const float d = f16(b);
    const unsigned char* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
        y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
}

void q4_1(const unsigned char* b, float* y) {
    const float d = f16(b), m = f16(b + 2);
    const unsigned char* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
        y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
    }
}

void q5_0(const unsigned char* b, float* y) {
    const float d = f16(b);
    uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    const unsigned char* qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = static_cast<float>(((qs[j] & 0x0F) | h0) - 16) * d;
        y[j + 16] = static_cast<float>(((qs[j] >> 4) | h1) - 16) * d;
    }
}

void q5_1(const unsigned char* b, float* y) {
    const float d = f16(b), m = f16(b + 2);
    uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    const unsigned char* qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = static_cast<float>((qs[j] & 0x0F) | h0) * d + m;
        y[j + 16] = static_cast<float>((qs[j] >> 4) | h1) * d + m;
    }
}

void q8_0(const unsigned char* b, float* y) {
    const float d = f16(b);
    for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
}

void q2_k(const unsigned char* b, float* y) {
    const unsigned char* scales = b;
    const unsigned char* q = b + 16;
    const float d = f16(b + 80), dmin = f16(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            for (int half = 0; half < 2; ++half) {
                const uint8_t sc = scales[is++];
                const float dl = d * static_cast<float>(sc & 0xF);
                const float ml = dmin * static_cast<float>(sc >> 4);
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
            }
            shift += 2;
        }
        q += 32;
    }
}

void q3_k(const unsigned char* b, float* y) {
    const unsigned char* hm = b;
    const unsigned char* q = b + 32;
    const float d = f16(b + 108);
    uint32_t aux[4];
    std::memcpy(aux, b + 96, 12);
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f, tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    int8_t scales[16];
    std::memcpy(scales, aux, 16);
    int is = 0;
    uint8_t m = 1;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            for (int half = 0; half < 2; ++half) {
                const float dl = d * static_cast<float>(scales[is++] - 32);
                for (int l = 16 * half; l < 16 * half + 16; ++l) {
                    const int v = ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4);
                    *y++ = dl * static_cast<float>(v);
                }
            }
            shift += 2;
            m = static_cast<uint8_t>(m << 1);
        }
        q += 32;
    }
}

void q4_k(const unsigned char* b, float* y) {
    const float d = f16(b), dmin = f16(b + 2);
    const unsigned char* scales = b + 4;
    const unsigned char* q = b + 16;
    int is = 0;
    for (int j = 0; j < 256; j += 64) {
        uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
        q += 32;
        is += 2;
    }
}

void q5_k(const unsigned char* b, float* y) {
    const float d = f16(b), dmin = f16(b + 2);
    const unsigned char* scales = b + 4;
    const unsigned char* qh = b + 16;
    const unsigned char* ql = b + 48;
    int is = 0;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 256; j += 64) {
        uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        ql += 32;
        is += 2;
        u1 = static_cast<uint8_t>(u1 << 2);
        u2 = static_cast<uint8_t>(u2 << 2);
    }
}

void q6_k(const unsigned char* b, float* y) {
    const unsigned char* ql = b;
    const unsigned char* qh = b + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = f16(b + 208);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
            y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

using BlockDecoder = void (*)(const unsigned char*, float*);

BlockDecoder decoderOf(uint32_t id) {
    switch (id) {
        case 2:
            return q4_0;
        case 3:
            return q4_1;
        case 6:
            return q5_0;
        case 7:
            return q5_1;
        case 8:
            return q8_0;
        case 10:
            return q2_k;
        case 11:
            return q3_k;
        case 12:
            return q4_k;
        case 13:
            return q5_k;
        case 14:
            return q6_k;
        case 16:
            return dequantizeIq2Xxs;
        case 17:
            return dequantizeIq2Xs;
        case 18:
            return dequantizeIq3Xxs;
        case 19:
            return dequantizeIq1S;
        case 20:
            return dequantizeIq4Nl;
        case 21:
            return dequantizeIq3S;
        case 22:
            return dequantizeIq2S;
        case 23:
            return dequantizeIq4Xs;
        case 29:
            return dequantizeIq1M;
        case 34:
            return dequantizeTq1_0;
        case 35:
            return dequantizeTq2_0;
        case 39:
            return dequantizeMxfp4;
        default:
            return nullptr;
    }
}

}  // namespace

float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400) == 0);
            bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FF) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

const GgmlType* ggmlType(uint32_t id) {
    for (const auto& t : kTypes)
        if (t.id == id) return &t;
    return nullptr;
}

std::string ggmlTypeName(uint32_t id) {
    const GgmlType* t = ggmlType(id);
    return t ? t->name : "type " + std::to_string(id);
}

std::string supportedGgmlTypes() {
    std::string s;
    for (const auto& t : kTypes)
        if (t.supported) s += (s.empty() ? "" : ", ") + std::string(t.name);
    return s;
}

uint64_t ggmlBytes(const GgmlType& type, uint64_t elements) {
    return elements / static_cast<uint64_t>(type.blockElements) *
           static_cast<uint64_t>(type.blockBytes);
}

void dequantize(const GgmlType& type, const unsigned char* src, float* dst, int64_t elements) {
    switch (type.id) {
        case 0:
            std::memcpy(dst, src, static_cast<size_t>(elements) * 4);
            return;
        case 1:
            for (int64_t i = 0; i < elements; ++i) dst[i] = f16(src + 2 * i);
            return;
        case 30:
            for (int64_t i = 0; i < elements; ++i) {
                const uint32_t bits = static_cast<uint32_t>(u16(src + 2 * i)) << 16;
                std::memcpy(dst + i, &bits, 4);
            }
            return;
        default:
            break;
    }
    const BlockDecoder decode = decoderOf(type.id);
    const int64_t blocks = elements / type.blockElements;
    for (int64_t b = 0; b < blocks; ++b)
        decode(src + b * type.blockBytes, dst + b * type.blockElements);
}

}  // namespace llmap
