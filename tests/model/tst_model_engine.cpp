// The libtorch engine beyond the per-family scores of tst_families: fp32 weights used in place,
// fp16 agreement (measured), full logits against the chunked log-probs, and the load-time
// refusals (wrong or missing tensors, bad options).
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "util/error.h"

namespace fs = std::filesystem;
using fixtures::expectInputError;
using fixtures::oracle;

namespace {

using engine_checks::batch;
using engine_checks::idsOf;
using engine_checks::sums;

}  // namespace

class ModelEngineTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fp32WeightsWrappedInPlace() {
        // fp32 on the CPU: every weight of a float32 checkpoint is used where it was mapped.
        // (tst_families compares these models' scores with transformers.)
        for (const auto& model : oracle()["models"]) {
            const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
            QVERIFY2(lm->copiedBytes() == 0, model["name"].get<std::string>().c_str());
        }
    }

    void float16Agreement() {
        // Measured as for bf16 (fp16 has 11 significant bits), against transformers in fp32.
        // libtorch 1.13 has no fp16 matrix kernels on the CPU: there loading must refuse clearly.
        const auto o = oracle();
        bool cpuHasHalfKernels = true;
        try {
            const at::Tensor x = at::ones({2, 2}, at::TensorOptions().dtype(at::kHalf));
            at::linear(x, x).sum().item<float>();
        } catch (const c10::Error&) {
            cpuHasHalfKernels = false;
        }
        llmap::LoadOptions options;
        options.dtype = "float16";
        if (!cpuHasHalfKernels) {
            expectInputError(
                [&] { llmap::CausalLM::load(fixtures::modelDir("gpt2_small"), options); },
                "no float16 kernels on the CPU");
            qInfo("fp16: this libtorch has no fp16 CPU kernels; loading refuses with a message");
            return;
        }
        double worst = 0;
        for (const auto& model : o["models"]) {
            const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]), options);
            QCOMPARE(lm->dtype(), at::kHalf);
            const auto full = sums(*lm, idsOf(model, "ids_full"));
            for (size_t i = 0; i < full.size(); ++i) {
                const double ref32 = model["texts"][i]["ll_full"];
                worst = std::max(worst, std::abs(full[i] - ref32) / std::abs(ref32));
            }
        }
        qInfo("fp16: max relative difference %.3g vs transformers fp32", worst);
        QVERIFY(worst < 0.01);
    }

    void logitsMatchLogProbs() {
        // forward() logits, log-softmaxed here in full, against the chunked logsumexp path.
        const auto model = oracle()["models"][1];
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
        auto [ids, mask] = batch({idsOf(model, "ids_full")[2]});
        const at::Tensor logits = lm->forward(ids, mask);
        QCOMPARE(logits.size(2), model["vocab_size"].get<int64_t>());
        const at::Tensor full = at::log_softmax(logits.to(at::kDouble), -1);
        const at::Tensor next = ids.narrow(1, 1, ids.size(1) - 1).unsqueeze(-1);
        const at::Tensor want = full.narrow(1, 0, ids.size(1) - 1).gather(-1, next).squeeze(-1);
        QVERIFY(at::allclose(lm->nextTokenLogProbs(ids, mask).to(at::kDouble), want, 0, 1e-5));
    }

    void refusals() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        int n = 0;
        auto fresh = [&](const std::string& from) {
            const fs::path dir = root / ("case" + std::to_string(n++));
            fixtures::copyModel(from, dir);
            return dir;
        };
        auto load = [](const fs::path& d, llmap::LoadOptions o = {}) {
            return [d, o] { llmap::CausalLM::load(d.string(), o); };
        };
        // Rename or reshape one tensor in a real checkpoint by rewriting its header.
        auto editHeader = [](const fs::path& file,
                             const std::function<void(nlohmann::json&)>& edit) {
            auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
            auto h = nlohmann::json::parse(header);
            edit(h);
            fixtures::writeBytes(file, fixtures::safetensorsBytes(h.dump(), data));
        };

        fs::path d = fresh("llama_mha_untied");
        editHeader(d / "model.safetensors", [](auto& h) {
            h["model.layers.1.mlp.up_proj.weightX"] = h["model.layers.1.mlp.up_proj.weight"];
            h.erase("model.layers.1.mlp.up_proj.weight");
        });
        expectInputError(load(d), "weight \"model.layers.1.mlp.up_proj.weight\" is missing");

        d = fresh("llama_mha_untied");
        editHeader(d / "model.safetensors", [](auto& h) {
            auto& t = h["model.layers.0.self_attn.q_proj.weight"];
            t["shape"] = {24, 96};  // same bytes as [48, 48]
        });
        expectInputError(load(d), "has shape [24, 96] but config.json implies [48, 48]");

        d = fresh("gpt2_small");
        editHeader(d / "model.safetensors", [](auto& h) {
            auto& t = h["transformer.ln_f.weight"];
            t["dtype"] = "I32";
        });
        expectInputError(load(d), "not a floating-point type");

        // Quantised checkpoints: block-scaled FP8 is read (tst_families), the rest refused.
        auto editConfig = [](const fs::path& dir,
                             const std::function<void(nlohmann::json&)>& edit) {
            auto c = nlohmann::json::parse(fixtures::readBytes(dir / "config.json"));
            edit(c);
            fixtures::writeBytes(dir / "config.json", c.dump(1));
        };
        d = fresh("llama_mha_untied");
        editConfig(d, [](auto& c) { c["quantization_config"] = {{"quant_method", "awq"}}; });
        expectInputError(load(d), "quant_method \"awq\" is not supported");
        d = fresh("families_fp8/llama_fp8_block16_f32_scales");
        editConfig(d, [](auto& c) { c["quantization_config"].erase("weight_block_size"); });
        expectInputError(load(d), "FP8 without a weight_block_size");
        d = fresh("families_fp8/llama_fp8_block16_f32_scales");
        editHeader(d / "model.safetensors", [](auto& h) {
            h["model.layers.1.self_attn.k_proj.weight_scale"] =
                h["model.layers.1.self_attn.k_proj.weight_scale_inv"];
            h.erase("model.layers.1.self_attn.k_proj.weight_scale_inv");
        });
        expectInputError(load(d),
                         "FP8 weight \"model.layers.1.self_attn.k_proj.weight\" has no "
                         "block scales");
        d = fresh("families_fp8/llama_fp8_block16_f32_scales");
        editConfig(d, [](auto& c) { c["quantization_config"]["weight_block_size"] = {8, 16}; });
        expectInputError(load(d), "_scale_inv\" has shape [3, 3] but config.json implies [6, 3]");

        d = fresh("gpt_neox_parallel_rot25");
        fs::rename(d / "model.safetensors", d / "pytorch_model.bin");
        expectInputError(load(d), "pickle");

        d = fresh("qwen2_gqa_tied");
        llmap::LoadOptions options;
        options.dtype = "float64";
        expectInputError(load(d, options), "dtype \"float64\" is not supported");
        options.dtype = "float32";
        options.device = "tpu";
        expectInputError(load(d, options), "device \"tpu\" is not known");
        if (!at::hasCUDA()) {
            // Whichever is missing (CUDA in libtorch, a driver, a GPU), the way out is named.
            options.device = "cuda";
            expectInputError(load(d, options), "or use --device cpu");
        }

        const auto lm = llmap::CausalLM::load(fixtures::modelDir("gpt2_small"));
        // Pairs, not structured bindings: C++17 lambdas cannot capture those (clang refuses).
        const auto bad = batch({{1, 2, 999}});
        expectInputError([&] { lm->nextTokenLogProbs(bad.first, bad.second); },
                         "token id 999 is outside the vocabulary");
        const auto tooLong = batch({std::vector<int64_t>(300, 5)});
        expectInputError([&] { lm->nextTokenLogProbs(tooLong.first, tooLong.second); },
                         "300 tokens exceed the context of 256");
    }
};

QTEST_GUILESS_MAIN(ModelEngineTest)
#include "tst_model_engine.moc"
