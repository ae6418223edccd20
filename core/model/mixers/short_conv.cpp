#include "model/mixers/short_conv.h"

namespace llmap {

namespace {

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return at::linear(x, w, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt);
}

class ShortConv : public SequenceMixer {
public:
    ShortConv(const ShortConvSpec& spec, int64_t hidden, const LayerWeights& w)
        : kernel_(spec.kernel) {
        const std::string& p = spec.prefix;
        const int64_t D = hidden;
        inW_ = w.get(p + "in_proj.weight", {3 * D, D});
        outW_ = w.get(p + "out_proj.weight", {D, D});
        convW_ = w.get(p + "conv.weight", {D, 1, kernel_});
        if (spec.bias) {
            inB_ = w.get(p + "in_proj.bias", {3 * D});
            outB_ = w.get(p + "out_proj.bias", {D});
            convB_ = w.get(p + "conv.bias", {D});
        }
    }

    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask,
                       MixerState* state) const override {
        const int64_t B = x.size(0), T = x.size(1), D = x.size(2), past = kernel_ - 1;
        const auto parts = linear(x, inW_, inB_).transpose(1, 2).chunk(3, 1);  // [B, D, T] each
        // Padding never enters the convolution, wherever it lies (transformers zeroes the
        // padded inputs of in_proj, which with conv_bias still lets its bias through).
        const at::Tensor bx = parts[0] * parts[2] * mask.unsqueeze(1).to(x.scalar_type());
        const at::Tensor window =
            state && state->conv.defined() ? state->conv : at::zeros({B, D, past}, x.options());
        const at::Tensor input = at::cat({window, bx}, 2);  // [B, D, past + T]
        if (state) state->conv = input.narrow(2, T, past).contiguous();
        const at::Tensor conv = at::conv1d(input, convW_, convB_, at::IntArrayRef{1},
                                           at::IntArrayRef{0}, at::IntArrayRef{1}, D);
        return linear((parts[1] * conv).transpose(1, 2), outW_, outB_);
    }

private:
    int64_t kernel_;
    at::Tensor inW_, inB_, outW_, outB_, convW_, convB_;
};

}  // namespace

std::unique_ptr<SequenceMixer> loadShortConv(const ArchSpec& spec, const LayerWeights& weights) {
    return std::make_unique<ShortConv>(spec.shortConv, spec.hidden, weights);
}

}  // namespace llmap
