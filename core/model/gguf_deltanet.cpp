#include "model/gguf_deltanet.h"

namespace llmap {

namespace {

// Rows [begin, end) of dimension `dim`, value heads of `headSize` in tiled order, put back in
// grouped order: [perKey, keyHeads, headSize] -> [keyHeads, perKey, headSize].
at::Tensor untile(const at::Tensor& t, int64_t dim, int64_t begin, const GgufDeltaNetDims& d,
                  int64_t headSize) {
    if (!d.tiled) return t;
    const int64_t perKey = d.valueHeads / d.keyHeads;
    at::Tensor part = t.narrow(dim, begin, t.size(dim) - begin).movedim(dim, 0);
    std::vector<int64_t> split = {perKey, d.keyHeads, headSize};
    for (int64_t i = 1; i < part.dim(); ++i) split.push_back(part.size(i));
    part = part.reshape(split).transpose(0, 1).reshape(part.sizes()).movedim(0, dim);
    return begin == 0 ? part.contiguous() : at::cat({t.narrow(dim, 0, begin), part}, dim);
}

}  // namespace

at::Tensor undoGgufDeltaNet(const at::Tensor& t, GgufTransform transform,
                            const GgufDeltaNetDims& d) {
    const int64_t qk = 2 * d.keyHeads * d.keyDim;
    switch (transform) {
        case GgufTransform::DeltaNetQkv:
            return untile(t, 0, qk, d, d.valueDim);
        case GgufTransform::DeltaNetValueRows:
            return untile(t, 0, 0, d, d.valueDim);
        case GgufTransform::DeltaNetHeadRows:
            return untile(t, 0, 0, d, 1);
        case GgufTransform::DeltaNetA:
            return at::log(-untile(t, 0, 0, d, 1));
        case GgufTransform::DeltaNetConv:
            return untile(t, 0, qk, d, d.valueDim).unsqueeze(1);
        case GgufTransform::DeltaNetOutCols:
            return untile(t, 1, 0, d, d.valueDim);
        default:
            return t;
    }
}

at::Tensor joinGgufQkvz(const at::Tensor& qkv, const at::Tensor& z, const GgufDeltaNetDims& d) {
    const int64_t keys = d.keyHeads * d.keyDim, D = qkv.size(1);
    const auto perKey = [&](const at::Tensor& rows) { return rows.reshape({d.keyHeads, -1, D}); };
    return at::cat({perKey(qkv.narrow(0, 0, keys)), perKey(qkv.narrow(0, keys, keys)),
                    perKey(qkv.narrow(0, 2 * keys, qkv.size(0) - 2 * keys)), perKey(z)},
                   1)
        .reshape({-1, D})
        .contiguous();
}

}  // namespace llmap
