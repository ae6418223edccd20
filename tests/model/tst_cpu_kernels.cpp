// The fused CPU kernels against the operators they replace, written as transformers writes them
// (LlamaRMSNorm, Gemma3RMSNorm, apply_rotary_pos_emb, LlamaMLP's act_fn(gate) * up, log_softmax
// + gather) in libtorch's own operators, and SiLU and GELU with tanh in double: float32 within
// rounding of a different summation order or exponential, bfloat16 and float16 to the last bit
// where both round the same products; and
// the products with weights packed for oneDNN against the same products in double precision; the
// routed experts' weighted sum against the operators it replaces, to the last bit; causal
// attention in fp32 against softmax(q kᵀ / √d) v in double; the residual addition fused into
// RMSNorm against libtorch's addition, then the norm as above.
#include <ATen/ATen.h>
#include <torch/version.h>

#include <QtTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "model/blocks/expert_sum.h"
#include "model/cpu_attention.h"
#include "model/cpu_kernels.h"
#include "model/packed_linear.h"

namespace kernels = llmap::kernels;

namespace {

at::Tensor hfRmsNorm(const at::Tensor& x, const at::Tensor& w, double eps, kernels::RmsWeight how) {
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
    switch (how) {
        case kernels::RmsWeight::AfterCast:
            return w * normed.to(x.scalar_type());
        case kernels::RmsWeight::PlusOneInFp32:
            return (normed * (1.0 + w.to(at::kFloat))).to(x.scalar_type());
        case kernels::RmsWeight::InFp32:
            return (normed * w.to(at::kFloat)).to(x.scalar_type());
    }
    return {};
}

at::Tensor rotateHalf(const at::Tensor& x) {
    const int64_t half = x.size(-1) / 2;
    return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// transformers' apply_rotary_pos_emb with partial rotary (Phi, GPT-NeoX): the first R channels.
at::Tensor hfRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const int64_t R = cos.size(-1);
    const at::Tensor rot = x.narrow(-1, 0, R), pass = x.narrow(-1, R, x.size(-1) - R);
    return at::cat({rot * cos + rotateHalf(rot) * sin, pass}, -1);
}

// Largest difference in units of the dtype's last place at the reference's magnitude, each
// divided by its allowance where one is given.
double worstUlps(const at::Tensor& got, const at::Tensor& want,
                 const at::Tensor& allowed = at::Tensor()) {
    const double eps = want.scalar_type() == at::kBFloat16 ? 1.0 / 128
                       : want.scalar_type() == at::kHalf   ? 1.0 / 1024
                                                           : 1.0 / (1 << 23);
    const at::Tensor g = got.to(at::kDouble), w = want.to(at::kDouble);
    const at::Tensor scale = at::clamp_min(w.abs(), 1e-30) * eps;
    const at::Tensor ulps = (g - w).abs() / scale;
    return (allowed.defined() ? ulps / allowed : ulps).max().item<double>();
}

}  // namespace

class CpuKernelsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rmsNormMatchesTransformers_data() {
        QTest::addColumn<int>("dtype");
        QTest::newRow("float32") << static_cast<int>(at::kFloat);
        QTest::newRow("bfloat16") << static_cast<int>(at::kBFloat16);
        QTest::newRow("float16") << static_cast<int>(at::kHalf);
    }
    void rmsNormMatchesTransformers() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        at::manual_seed(1);
        for (const int64_t D : {64, 576, 577}) {  // 577: a row that is no multiple of 16
            const at::Tensor x = (at::randn({3, 37, D}) * 3).to(type);
            const at::Tensor w = (at::randn({D}) * 0.5 + 1).to(type);
            for (const auto how : {kernels::RmsWeight::AfterCast, kernels::RmsWeight::PlusOneInFp32,
                                   kernels::RmsWeight::InFp32}) {
                const at::Tensor got = kernels::rmsNorm(x, w, 1e-6, how);
                QVERIFY(got.defined());
                QCOMPARE(got.scalar_type(), type);
                QCOMPARE(got.sizes(), x.sizes());
                // The mean of squares may differ in its last bit (another order of summation),
                // which can move a rounded bf16/fp16 value by one place (up to 2 units of the
                // reference's magnitude next to a power of two).
                const double ulps = worstUlps(got, hfRmsNorm(x, w, 1e-6, how));
                QVERIFY2(ulps <= (type == at::kFloat ? 8 : 2.01),
                         qPrintable(QString("D=%1: %2 ulps").arg(D).arg(ulps)));
            }
            // A transposed view is read as it is.
            const at::Tensor t = x.transpose(0, 1);
            QVERIFY(at::equal(
                kernels::rmsNorm(t, w, 1e-6, kernels::RmsWeight::AfterCast),
                kernels::rmsNorm(t.contiguous(), w, 1e-6, kernels::RmsWeight::AfterCast)));
        }
    }

    void addRmsNormMatchesAddThenNorm_data() { rmsNormMatchesTransformers_data(); }
    void addRmsNormMatchesAddThenNorm() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        at::manual_seed(2);
        for (const int64_t D : {64, 576, 577}) {
            const at::Tensor x = (at::randn({2, 41, D}) * 3).to(type);
            const at::Tensor y = (at::randn({2, 41, D}) * 2).to(type);
            const at::Tensor w = (at::randn({D}) * 0.5 + 1).to(type);
            const at::Tensor sum = x + y;  // libtorch's addition, rounded to the dtype
            for (const auto how : {kernels::RmsWeight::AfterCast, kernels::RmsWeight::PlusOneInFp32,
                                   kernels::RmsWeight::InFp32}) {
                at::Tensor residual = x.clone();
                const at::Tensor got = kernels::addRmsNorm(residual, y, w, 1e-6, how);
                QVERIFY(got.defined());
                QVERIFY2(at::equal(residual, sum), "the residual stream is not x + y");
                const double ulps = worstUlps(got, hfRmsNorm(sum, w, 1e-6, how));
                QVERIFY2(ulps <= (type == at::kFloat ? 8 : 2.01),
                         qPrintable(QString("D=%1: %2 ulps").arg(D).arg(ulps)));
            }
        }
        // Declined, x left as it was: an addend of another layout, dtype or shape, or x itself.
        const at::Tensor x = at::randn({8, 64}).to(type);
        const at::Tensor w = at::ones({64}).to(type);
        at::Tensor residual = x.clone();
        const auto how = kernels::RmsWeight::AfterCast;
        QVERIFY(!kernels::addRmsNorm(residual, at::randn({64, 8}).to(type).t(), w, 1e-6, how)
                     .defined());
        const auto other = type == at::kFloat ? at::kDouble : at::kFloat;
        QVERIFY(
            !kernels::addRmsNorm(residual, at::randn({8, 64}).to(other), w, 1e-6, how).defined());
        QVERIFY(
            !kernels::addRmsNorm(residual, at::randn({4, 64}).to(type), w, 1e-6, how).defined());
        QVERIFY(!kernels::addRmsNorm(residual, residual, w, 1e-6, how).defined());
        QVERIFY(at::equal(residual, x));
    }

    void rotaryMatchesTransformers_data() { rmsNormMatchesTransformers_data(); }
    void rotaryMatchesTransformers() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        at::manual_seed(2);
        const int64_t B = 2, H = 3, T = 11, D = 64;
        for (const int64_t R : {D, int64_t(32)}) {  // full and partial rotary
            // q as the engine has it: [B, T, H, D] from the projection, viewed as [B, H, T, D].
            const at::Tensor q = at::randn({B, T, H, D}).to(type).transpose(1, 2);
            const at::Tensor angles = at::rand({T, R / 2}) * 20;
            const at::Tensor emb = at::cat({angles, angles}, -1);
            const at::Tensor cos = emb.cos().to(type), sin = emb.sin().to(type);
            const at::Tensor got = kernels::rotaryHalf(q, cos, sin);
            QVERIFY(got.defined());
            QVERIFY(got.is_contiguous());
            QVERIFY2(at::equal(got, hfRotary(q, cos, sin)), qPrintable(QString("R=%1").arg(R)));
            // LongRoPE's tables, one per text.
            const at::Tensor perText = at::stack({cos, sin.flip(0)}).unsqueeze(1);
            const at::Tensor perTextSin = at::stack({sin, cos.flip(0)}).unsqueeze(1);
            QVERIFY(at::equal(kernels::rotaryHalf(q, perText, perTextSin),
                              hfRotary(q, perText, perTextSin)));
        }
        // What the kernel does not know is left to libtorch.
        QVERIFY(!kernels::rotaryHalf(at::randn({2, 3, 4}), at::randn({3, 4}), at::randn({3, 4}))
                     .defined());
    }

    void activationsMatchTransformers_data() {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<int>("act");
        for (const auto& [name, type] : {std::pair{"float32", at::kFloat},
                                         {"bfloat16", at::kBFloat16},
                                         {"float16", at::kHalf}}) {
            QTest::newRow(qPrintable(QString("silu %1").arg(name)))
                << static_cast<int>(type) << static_cast<int>(kernels::Act::SiLU);
            QTest::newRow(qPrintable(QString("gelu_tanh %1").arg(name)))
                << static_cast<int>(type) << static_cast<int>(kernels::Act::GeluTanh);
        }
    }
    void activationsMatchTransformers() {
        QFETCH(int, dtype);
        QFETCH(int, act);
        const auto type = static_cast<at::ScalarType>(dtype);
        const auto which = static_cast<kernels::Act>(act);
        at::manual_seed(4);
        for (const int64_t I : {int64_t(64), int64_t(1537)}) {
            at::Tensor gateUp = (at::randn({2, 9, 2 * I}) * 4).to(type);
            gateUp[0][0][0] = -100;  // far out on both sides
            gateUp[0][0][1] = 100;
            gateUp[0][0][2] = -5.5;  // where GELU's 1 + tanh(u) is 1e-9
            const auto parts = gateUp.chunk(2, -1);
            // In double, rounded once to the dtype: libtorch's silu and gelu for 16-bit types
            // compute in float and round once; float32 within the rounding of another
            // exponential (a polynomial against libtorch's Sleef) and of the argument.
            const at::Tensor gate = parts[0].to(at::kDouble);
            at::Tensor exact = at::silu(gate), argument = gate;
            if (which == kernels::Act::GeluTanh) {
                // 0.5 x (1 + tanh(u)) as x sigmoid(2u): the same function (checked against
                // gelu(approximate="tanh") to 1e-15 |x|), without the cancellation of 1 + tanh(u)
                // near -1, which leaves even double with no correct digit below x = -7.
                const at::Tensor u = std::sqrt(2.0 / M_PI) * (gate + 0.044715 * gate.pow(3));
                argument = 2 * u;
                exact = gate * at::sigmoid(argument);
                const at::Tensor apart = (exact - at::gelu(gate, "tanh")).abs() / gate.abs();
                QVERIFY(apart.max().item<double>() < 1e-15);
            }
            // In float32 the argument a of the sigmoid carries a few units of rounding, which
            // e^-|a| multiplies by |a|: allowed 16 + 4|a| units.
            const at::Tensor allowed =
                type == at::kFloat ? 16 + 4 * argument.abs() : at::ones_like(argument);

            // GPT-2's MLP: act(up_proj(x)), here on a chunk of a wider tensor, as it is read.
            const at::Tensor plain = kernels::activation(parts[0], which);
            QVERIFY(plain.defined());
            QVERIFY(plain.is_contiguous());
            QCOMPARE(plain.sizes(), (at::IntArrayRef{2, 9, I}));
            double ulps = worstUlps(plain, exact.to(type), allowed);
            QVERIFY2(ulps <= 1.01, qPrintable(QString("I=%1: %2 of the allowed").arg(I).arg(ulps)));

            // LlamaMLP and Gemma's: act_fn(gate_proj(x)) * up_proj(x), each rounded to the dtype.
            const at::Tensor gated = kernels::gatedActivation(parts[0], parts[1], which);
            QVERIFY(gated.defined());
            QCOMPARE(gated.sizes(), (at::IntArrayRef{2, 9, I}));
            const at::Tensor want = exact.to(type) * parts[1];
            ulps = worstUlps(gated, want, type == at::kFloat ? allowed : 2 * allowed);
            QVERIFY2(ulps <= 1.01,
                     qPrintable(QString("I=%1 gated: %2 of the allowed").arg(I).arg(ulps)));
            // Two separate tensors give the same as the halves of one.
            QVERIFY(at::equal(
                kernels::gatedActivation(parts[0].contiguous(), parts[1].contiguous(), which),
                gated));
        }
        // What the kernel does not know is left to libtorch: a transposed view, other shapes.
        const at::Tensor x = at::randn({8, 16}).to(type);
        QVERIFY(!kernels::activation(x.t(), which).defined());
        QVERIFY(!kernels::gatedActivation(x, x.narrow(1, 0, 8), which).defined());
    }

    void slicedTargetLogSoftmaxMatchesLogSoftmax_data() { rmsNormMatchesTransformers_data(); }
    void slicedTargetLogSoftmaxMatchesLogSoftmax() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        at::manual_seed(3);
        for (const int64_t V : {int64_t(8000), int64_t(50257)}) {
            at::Tensor logits = (at::randn({8, V}) * 4).to(type);
            logits[2].fill_(0);  // a flat row
            logits[3][5] = 80;   // a very confident row, its maximum in the first slice
            logits[4].narrow(0, 0, V / 2).fill_(-INFINITY);  // whole slices without mass
            logits[6][V - 2] = 60;  // the maximum in the last slice: the sums are rescaled
            logits[7].narrow(0, 0, V / 3).fill_(-30);  // a maximum that grows slice by slice
            logits[7].narrow(0, 0, V / 3).add_(at::arange(V / 3).to(type) * (60.0 / V));
            const std::vector<int64_t> picked = {0, 1, 2, 5, V - 1, 3, 17, V / 4};
            const at::Tensor targets = at::tensor(picked, at::kLong);
            const at::Tensor want = at::log_softmax(logits.to(at::kDouble), -1)
                                        .gather(1, targets.unsqueeze(1))
                                        .squeeze(1);
            // One slice; the output layer's width; widths that are no multiple of 16.
            for (const int64_t width : {V, int64_t(8192), int64_t(1000), int64_t(333)}) {
                kernels::SlicedTargetLogSoftmax logSoftmax(targets);
                for (int64_t first = 0; first < V; first += width)
                    logSoftmax.add(logits.narrow(1, first, std::min(width, V - first)).contiguous(),
                                   first);
                const at::Tensor got = logSoftmax.result();
                QCOMPARE(got.scalar_type(), at::kFloat);
                const double worst = (got.to(at::kDouble) - want).abs().max().item<double>();
                QVERIFY2(worst < 2e-6,
                         qPrintable(QString("V=%1, width %2: %3").arg(V).arg(width).arg(worst)));
            }
        }
    }

    // Routed experts' last step against the operators transformers' grouped experts run: each
    // (token, choice) row times its routing weight, back to token order, summed per token.
    void weightedExpertSumMatchesOperators_data() { rmsNormMatchesTransformers_data(); }
    void weightedExpertSumMatchesOperators() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        at::manual_seed(6);
        const int64_t N = 37, k = 3, D = 77;
        const at::Tensor rows = (at::randn({N * k, D}) * 3).to(type);
        const at::Tensor order = at::randperm(N * k, at::kLong);
        const at::Tensor weights = at::rand({N * k});
        const auto reference = [&](const at::Tensor& w) {
            const at::Tensor weighted = w.defined() ? rows * w.unsqueeze(1) : rows;
            return at::empty_like(weighted)
                .index_copy_(0, order, weighted)
                .view({N, k, D})
                .sum(1)
                .to(type);
        };
        // fp32 weights, weights in the model's dtype, and none (inputs scaled before).
        for (const at::Tensor& w : {weights, weights.to(type), at::Tensor()}) {
            const at::Tensor got = llmap::blocks::weightedExpertSum(rows, order, w, k);
            QVERIFY(got.defined());
            QCOMPARE(got.scalar_type(), type);
            QCOMPARE(got.sizes(), (at::IntArrayRef{N, D}));
            QVERIFY(at::equal(got, reference(w)));
        }
        QVERIFY(
            !llmap::blocks::weightedExpertSum(rows.to(at::kDouble), order, weights, k).defined());
    }

    // On libtorch 2.x fp32 weights can be packed (the engine does so unless MKL on an Intel CPU
    // runs libtorch's own products); bf16 where this CPU and libtorch have oneDNN's bf16 products.
    void packedLinearMatchesDoublePrecision_data() {
        QTest::addColumn<int>("dtype");
        QTest::newRow("float32") << static_cast<int>(at::kFloat);
        QTest::newRow("bfloat16") << static_cast<int>(at::kBFloat16);
    }
    void packedLinearMatchesDoublePrecision() {
        QFETCH(int, dtype);
        const auto type = static_cast<at::ScalarType>(dtype);
        if (!llmap::packed::available(type)) {
            QVERIFY2(type != at::kFloat || TORCH_VERSION_MAJOR < 2,
                     "libtorch 2.x can pack fp32 weights");
            QSKIP(
                "oneDNN's packed products are missing from this libtorch (Debian's 1.13) or, for "
                "bf16, not on this CPU (no AVX-512 BF16): at::linear runs these products, checked "
                "against transformers by tst_families");
        }
        QVERIFY(!llmap::packed::available(at::kHalf));
        at::manual_seed(5);
        // Odd sizes, a batch dimension, rows far from the packing's hint, with and without bias.
        for (const auto& [rows, in, out] : std::vector<std::array<int64_t, 3>>{
                 {1, 7, 3}, {37, 96, 131}, {3000, 64, 40}, {2, 576, 1536}}) {
            const at::Tensor w = at::randn({out, in}).to(type);
            const at::Tensor b = at::randn({out}).to(type);
            const at::Tensor x = at::randn({rows, 1, in}).to(type);
            const at::Tensor packedW = llmap::packed::pack(w, 2048);
            QVERIFY(packedW.is_mkldnn());
            QCOMPARE(packedW.sizes(), w.sizes());
            for (const bool withBias : {false, true}) {
                const at::Tensor got =
                    llmap::packed::linear(x, packedW, withBias ? b : at::Tensor());
                QCOMPARE(got.scalar_type(), type);
                QCOMPARE(got.sizes(), (at::IntArrayRef{rows, 1, out}));
                at::Tensor want = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t());
                if (withBias) want = want + b.to(at::kDouble);
                // fp32: accumulation over `in` terms; bf16: the result's rounding (2^-8).
                const at::Tensor scale =
                    at::matmul(x.to(at::kDouble).abs(), w.to(at::kDouble).abs().t()) +
                    (withBias ? b.to(at::kDouble).abs() : at::zeros({}));
                const double eps = type == at::kFloat ? in * 1.2e-7 : 1.0 / 128;
                const double worst = ((got.to(at::kDouble) - want).abs() / (scale * eps + 1e-30))
                                         .max()
                                         .item<double>();
                QVERIFY2(worst <= 1.0, qPrintable(QString("%1x%2x%3 bias %4: %5 of the bound")
                                                      .arg(rows)
                                                      .arg(in)
                                                      .arg(out)
                                                      .arg(withBias)
                                                      .arg(worst)));
            }
        }
    }
    // LLMAP_CPU_GEMM decides when set; otherwise bf16 packs wherever it can, and fp32 unless
    // libtorch has MKL and /proc/cpuinfo names an Intel CPU.
    void packingChoiceFollowsTheCpuAndLlmapCpuGemm() {
        if (!llmap::packed::available(at::kFloat))
            QSKIP("this libtorch (Debian's 1.13) has no packed products: nothing to choose");
        const QByteArray before = qgetenv("LLMAP_CPU_GEMM");
        const bool bf16 = llmap::packed::available(at::kBFloat16);
        qputenv("LLMAP_CPU_GEMM", "torch");
        QVERIFY(!llmap::packed::preferred(at::kFloat));
        QVERIFY(!llmap::packed::preferred(at::kBFloat16));
        qputenv("LLMAP_CPU_GEMM", "packed");
        QVERIFY(llmap::packed::preferred(at::kFloat));
        QCOMPARE(llmap::packed::preferred(at::kBFloat16), bf16);
        qunsetenv("LLMAP_CPU_GEMM");
        QFile cpuinfo("/proc/cpuinfo");
        bool intel = false;
        if (cpuinfo.open(QIODevice::ReadOnly))
            intel = cpuinfo.readAll().contains("vendor_id\t: GenuineIntel");
        QCOMPARE(llmap::packed::preferred(at::kFloat), !(at::hasMKL() && intel));
        QCOMPARE(llmap::packed::preferred(at::kBFloat16), bf16);
        QVERIFY(!llmap::packed::preferred(at::kHalf));
        if (!before.isNull()) qputenv("LLMAP_CPU_GEMM", before);
    }
    void causalAttentionMatchesDoublePrecision() {
        at::manual_seed(11);
        // {texts, heads, key heads, length, channels}: lengths off and across the query blocks
        // (64) and key blocks (256), grouped queries, heads of 16 to 256 channels.
        for (const auto& [B, H, kvHeads, T, D] :
             std::vector<std::array<int64_t, 5>>{{1, 1, 1, 1, 64},
                                                 {2, 4, 2, 37, 16},
                                                 {1, 9, 3, 300, 64},
                                                 {1, 2, 1, 600, 80},
                                                 {2, 3, 3, 70, 128},
                                                 {1, 2, 2, 129, 256}}) {
            // q and v as views of one projection's output [B, T, heads, D], k contiguous.
            const at::Tensor qkv = at::randn({B, T, H + 2 * kvHeads, D}) * 2;
            const at::Tensor q = qkv.narrow(2, 0, H).transpose(1, 2);
            const at::Tensor v = qkv.narrow(2, H + kvHeads, kvHeads).transpose(1, 2);
            const at::Tensor k = qkv.narrow(2, H, kvHeads).transpose(1, 2).contiguous();
            const double scale = 1.0 / std::sqrt(static_cast<double>(D));
            const at::Tensor got = kernels::causalAttention(q, k, v, scale);
            QVERIFY(got.defined());
            QCOMPARE(got.sizes(), q.sizes());
            const int64_t groups = H / kvHeads;
            const at::Tensor kd = k.to(at::kDouble).repeat_interleave(groups, 1);
            const at::Tensor vd = v.to(at::kDouble).repeat_interleave(groups, 1);
            at::Tensor scores = at::matmul(q.to(at::kDouble), kd.transpose(-2, -1)) * scale;
            scores.masked_fill_(at::ones({T, T}, at::kBool).triu(1), -INFINITY);
            const at::Tensor want = at::matmul(at::softmax(scores, -1), vd);
            // Each output is a weighted mean of values: an error of a few fp32 ulps of the
            // largest value, from the rounding of the scores and of the sums (1e-6 measured).
            const double worst = (got.to(at::kDouble) - want).abs().max().item<double>() /
                                 vd.abs().max().item<double>();
            QVERIFY2(worst < 1e-5, qPrintable(QString("B %1 H %2/%3 T %4 D %5: %6")
                                                  .arg(B)
                                                  .arg(H)
                                                  .arg(kvHeads)
                                                  .arg(T)
                                                  .arg(D)
                                                  .arg(worst)));
        }
        // bf16 where the CPU has no AMX (libtorch's bf16 attention runs on AMX where it has):
        // the same attention, rounded to bf16.
        const at::Tensor x = at::randn({1, 2, 8, 64});
        const at::Tensor b = x.to(at::kBFloat16);
        const at::Tensor widened = kernels::causalAttention(b, b, b, 0.125);
        QFile cpuinfo("/proc/cpuinfo");
        QVERIFY(cpuinfo.open(QIODevice::ReadOnly));
        const QByteArray flags = cpuinfo.readAll();
        const bool amx = flags.contains(" amx_bf16") && flags.contains(" amx_tile");
        QCOMPARE(widened.defined(), !amx);
        if (widened.defined()) {
            QCOMPARE(widened.scalar_type(), at::kBFloat16);
            const at::Tensor exact = kernels::causalAttention(b.to(at::kFloat), b.to(at::kFloat),
                                                              b.to(at::kFloat), 0.125);
            QVERIFY(at::equal(widened, exact.to(at::kBFloat16)));
        }
        // Not for it: a head width off the vector width, keys of another length (a cache).
        const at::Tensor odd = at::randn({1, 2, 8, 24});
        QVERIFY(!kernels::causalAttention(odd, odd, odd, 0.2).defined());
        const at::Tensor longer = at::randn({1, 2, 9, 64});
        QVERIFY(!kernels::causalAttention(x, longer, longer, 0.125).defined());
    }
};

QTEST_GUILESS_MAIN(CpuKernelsTest)
#include "tst_cpu_kernels.moc"
