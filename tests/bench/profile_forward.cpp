// Benchmark aid (not a test): where the time of scoring goes.
//   profile_forward DIR [batch] [tokens] [trace.json]
//       one batch of random ids: warm-up, one timed run, one run under libtorch's profiler (its
//       trace written to trace.json), then the time by kind of work
//   profile_forward DIR --texts T.jsonl [--dtype fp32|bf16] [--threads N]
//       the texts as llmap-cli score runs them (the "full" convention, longest first, packed
//       batches of 1,024 real tokens in fp32 (4,096 with experts) and 4,096 in bf16; unpacked, of
//       at most 4,096 padded tokens and 1 % padding in fp32): tokenisation, then every batch once
//       timed and once under the profiler
// The kinds: matrix products, attention (scores, softmax, values, the mask), norms, rotary
// embeddings, the output layer with its logsumexp, other operators (activations, residual adds,
// casts, embedding lookup) and the time outside any operator; the padding share is the share of
// the forward passes' positions that are padding and computed (none where the engine packs the
// texts). The last line is the same as JSON.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/causal_lm.h"
#include "model/model_info.h"
#include "score/batch_plan.h"
#include "score/convention_ids.h"
#include "text/text_loaders.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace prof = torch::autograd::profiler;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Batch {
    at::Tensor ids, mask;
};

// The kind of work of an operator (or named scope) that no other one encloses.
std::string kindOf(const prof::LegacyEvent& e, int64_t vocab) {
    const std::string name = e.name();
    if (name == "llmap::norm" || name == "aten::layer_norm" || name == "aten::native_layer_norm")
        return "norms";
    if (name == "llmap::attention" || name.rfind("aten::scaled_dot_product_attention", 0) == 0 ||
        name.rfind("aten::_scaled_dot_product", 0) == 0)
        return "attention";
    if (name == "llmap::rotary") return "rotary";
    if (name == "llmap::head_logsumexp") return "head";
    if (name == "aten::embedding") return "other";
    // The output layer: its weight is [vocab, hidden]; its logits and their logsumexp [n, vocab].
    for (const auto& shape : e.shapes()) {
        if (std::find(shape.begin(), shape.end(), vocab) != shape.end()) return "head";
    }
    if (name == "aten::linear" || name == "aten::matmul" || name == "aten::addmm" ||
        name == "aten::mm" || name == "aten::bmm" || name == "mkldnn::_linear_pointwise")
        return "matmuls";
    return "other";
}

std::map<std::string, double> otherByName;

// Seconds per kind of the outermost events of the calling thread's lists.
std::map<std::string, double> secondsByKind(const prof::thread_event_lists& lists, int64_t vocab) {
    std::map<std::string, double> seconds;
    for (const auto& list : lists) {
        std::vector<const prof::LegacyEvent*> open;
        for (const auto& e : list) {
            if (e.kind() == prof::EventKind::PushRange) {
                open.push_back(&e);
            } else if (e.kind() == prof::EventKind::PopRange && !open.empty()) {
                const prof::LegacyEvent* start = open.back();
                open.pop_back();
                if (open.empty()) {
                    const std::string kind = kindOf(*start, vocab);
                    seconds[kind] += start->cpuElapsedUs(e) * 1e-6;
                    if (kind == "other")
                        otherByName[start->name()] += start->cpuElapsedUs(e) * 1e-6;
                }
            }
        }
    }
    return seconds;
}

nlohmann::json report(const std::map<std::string, double>& kinds, double forward, double tokenise,
                      int64_t tokens, int64_t positions, int64_t padded) {
    nlohmann::json seconds = kinds;
    seconds["tokenisation"] = tokenise;
    const double total = forward + tokenise;
    nlohmann::json out = {{"scored_tokens", tokens},
                          {"positions", positions},
                          {"padding_share", positions ? double(padded) / double(positions) : 0.0},
                          {"forward_seconds", forward},
                          {"total_seconds", total},
                          {"tokens_per_second", total > 0 ? double(tokens) / total : 0.0},
                          {"seconds", seconds}};
    std::cout << std::fixed << std::setprecision(1);
    std::cout << tokens << " scored tokens, " << positions << " positions (" << padded
              << " padding), " << total << " s: " << (total > 0 ? double(tokens) / total : 0.0)
              << " tokens/s\n";
    for (const auto& [kind, s] : seconds.items()) {
        std::cout << "  " << std::setw(14) << std::left << kind << std::right << std::setw(8)
                  << 100.0 * s.get<double>() / total << " %\n";
    }
    std::vector<std::pair<double, std::string>> other;
    for (const auto& [name, s] : otherByName) other.emplace_back(s, name);
    std::sort(other.rbegin(), other.rend());
    std::cout << "  the largest other operators (s, profiled):";
    for (size_t i = 0; i < other.size() && i < 6; ++i)
        std::cout << " " << other[i].second << " " << std::setprecision(2) << other[i].first;
    std::cout << std::setprecision(1) << "\n";
    return out;
}

// The texts, tokenised and batched as the scorer does on a CPU.
std::vector<Batch> plannedBatches(const std::string& dir, const std::string& textsPath,
                                  int64_t context, bool fp32, bool packed, bool experts,
                                  double& tokenise, int64_t& tokens, int64_t& positions) {
    const llmap::TextSet texts = llmap::loadTextSet(textsPath);
    const std::unique_ptr<llmap::Tokenizer> tokenizer = llmap::loadTokenizer(dir);
    const llmap::ModelInfo info = llmap::readModelInfo(dir);
    const llmap::ConventionTokenizer convention(*tokenizer, info, "full", context);
    const auto start = Clock::now();
    std::vector<llmap::ConventionIds> seqs;
    for (const std::string& t : texts.texts) seqs.push_back(convention(t));
    tokenise = secondsSince(start);
    std::vector<int64_t> lengths;
    for (const auto& s : seqs) lengths.push_back(static_cast<int64_t>(s.ids.size()));
    const std::vector<size_t> order = llmap::longestFirst(lengths);
    std::vector<Batch> batches;
    tokens = positions = 0;
    for (size_t from = 0; from < order.size();) {
        const size_t count = llmap::nextBatchSize(
            lengths, order, from,
            llmap::BatchLimits{packed ? llmap::cpuPackedTokens(fp32, experts) : 4096, 0,
                               llmap::defaultPadding(fp32), packed});
        const int64_t T = lengths[order[from]];
        const auto B = static_cast<int64_t>(count);
        Batch b{at::zeros({B, T}, at::kLong), at::zeros({B, T}, at::kLong)};
        int64_t* idp = b.ids.data_ptr<int64_t>();
        int64_t* mp = b.mask.data_ptr<int64_t>();
        for (size_t i = 0; i < count; ++i) {
            const auto& ids = seqs[order[from + i]].ids;
            for (size_t t = 0; t < ids.size(); ++t) {
                idp[static_cast<int64_t>(i) * T + static_cast<int64_t>(t)] = ids[t];
                mp[static_cast<int64_t>(i) * T + static_cast<int64_t>(t)] = 1;
            }
            tokens += seqs[order[from + i]].scoredTokens();
        }
        positions += B * T;
        if (T > 1) batches.push_back(b);
        from += count;
    }
    return batches;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr
            << "usage: profile_forward DIR [batch] [tokens] [trace.json]\n"
               "       profile_forward DIR --texts T.jsonl [--dtype fp32|bf16] [--threads N]\n";
        return 2;
    }
    std::string textsPath, dtype = "fp32", trace = "forward_trace.json";
    int threads = 0;
    std::vector<std::string> positional;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--texts" || a == "--dtype" || a == "--threads") && i + 1 < argc) {
            const std::string v = argv[++i];
            if (a == "--texts") textsPath = v;
            if (a == "--dtype") dtype = v;
            if (a == "--threads") threads = std::atoi(v.c_str());
        } else {
            positional.push_back(a);
        }
    }
    try {
        if (threads > 0) at::set_num_threads(threads);
        llmap::LoadOptions load;
        load.dtype = dtype == "bf16" ? "bfloat16" : "float32";
        const auto lm = llmap::CausalLM::load(argv[1], load);
        const int64_t vocab = lm->spec().vocab;
        double tokenise = 0;
        int64_t tokens = 0, positions = 0;
        std::vector<Batch> batches;
        if (!textsPath.empty()) {
            batches = plannedBatches(argv[1], textsPath, lm->spec().context, dtype != "bf16",
                                     lm->packsTexts(), lm->spec().experts > 0, tokenise, tokens,
                                     positions);
        } else {
            const int64_t B = positional.size() > 0 ? std::atoll(positional[0].c_str()) : 8;
            const int64_t T = positional.size() > 1 ? std::atoll(positional[1].c_str()) : 256;
            if (positional.size() > 2) trace = positional[2];
            at::manual_seed(0);
            const at::Tensor ids = at::randint(vocab, {B, T}, at::kLong);
            batches.push_back({ids, at::ones_like(ids)});
            tokens = B * (T - 1);
            positions = B * T;
        }
        int64_t realPositions = 0;
        for (const auto& b : batches) realPositions += b.mask.sum().item<int64_t>();
        if (!batches.empty()) lm->nextTokenLogProbs(batches[0].ids, batches[0].mask);  // warm-up
        auto start = Clock::now();
        for (const auto& b : batches) lm->nextTokenLogProbs(b.ids, b.mask);
        const double forward = secondsSince(start);

        const torch::profiler::impl::ProfilerConfig config(
            torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/true);
        prof::enableProfilerLegacy(config);
        start = Clock::now();
        for (const auto& b : batches) lm->nextTokenLogProbs(b.ids, b.mask);
        const double profiled = secondsSince(start);
        prof::thread_event_lists lists = prof::disableProfilerLegacy();
        std::map<std::string, double> kinds = secondsByKind(lists, vocab);
        double ops = 0;
        for (const auto& [kind, s] : kinds) ops += s;
        kinds["untracked"] = std::max(0.0, profiled - ops);
        // Each kind's share of the profiled run, applied to the unprofiled time.
        for (auto& [kind, s] : kinds) s *= profiled > 0 ? forward / profiled : 0.0;
        if (textsPath.empty()) {
            std::vector<prof::LegacyEvent*> events;
            for (auto& list : lists) {
                for (auto& e : list) events.push_back(&e);
            }
            std::ofstream out(trace);
            prof::writeProfilerEventsToStream(out, events);
        }
        // Packed batches compute no padding (blocks::Packing).
        const int64_t computed = lm->packsTexts() ? realPositions : positions;
        nlohmann::json summary =
            report(kinds, forward, tokenise, tokens, computed, computed - realPositions);
        summary["packed"] = lm->packsTexts();
        std::cout << summary.dump() << "\n";
    } catch (const llmap::Error& e) {
        std::cerr << e.message() << "\n";
        return 2;
    }
    return 0;
}
