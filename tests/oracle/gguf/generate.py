#!/usr/bin/env python3
"""Reference data for tests/gguf: small GGUF files written with the gguf package and what
Hugging Face transformers makes of them.

1. dequant.gguf: for every ggml type LLMap reads (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
   Q2_K..Q6_K) a tensor "<TYPE>" of 2 x 512 values and, next to it, "<TYPE>.expected": the same
   values dequantised to F32 by gguf.dequantize (the package's quants.py). The quantisable types
   are quantised from random normals; the K-quants (which the package cannot quantise) are random
   block bytes whose f16 scale fields are set to finite values, so that every bit of the layout
   is exercised.
2. Tiny random models as GGUF files, laid out as llama.cpp's convert_hf_to_gguf.py writes them
   (llama q/k rows permuted for its rotary kernel, GPT-2 Conv1D weights transposed, Gemma 2
   norm scales stored as 1 + weight), with a
   byte-level BPE vocabulary, in several quantisation types (per tensor). oracle.json records,
   per model and text, the token ids of transformers' tokenizer loaded from the GGUF file and
   the log-likelihood of transformers' model loaded from the same file
   (from_pretrained(folder, gguf_file=...)), both conventions' inputs being ids_full = [BOS or
   EOS] + ids with every text token scored.

Run from the repository root:  python3 tests/oracle/gguf/generate.py
Needs numpy, torch, transformers (5.x), gguf. Takes about half a minute on a CPU.
"""
import importlib.util
import json
import os

import gguf
import numpy as np
import torch
import transformers
from gguf import GGMLQuantizationType as Q
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "gguf")
TOKENIZER = os.path.join(ROOT, "tests", "data", "model", "qwen2_gqa_tied", "tokenizer.json")

_spec = importlib.util.spec_from_file_location(
    "model_oracle", os.path.join(ROOT, "tests", "oracle", "model", "generate.py"))
_model_oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_model_oracle)
TEXTS = _model_oracle.TEXTS[:12]

K_QUANTS = [Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K]
# Byte offsets of the f16 scale fields inside each K-quant block (ggml's block_qN_K structs), and
# the largest |scale x quant| product of the type, to keep the random weights near +-`scale`.
K_SCALE_FIELDS = {Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}
K_RANGE = {Q.Q2_K: 45, Q.Q3_K: 128, Q.Q4_K: 945, Q.Q5_K: 1953, Q.Q6_K: 4096}


def quantised(values, qtype, rng, scale=0.3):
    """Bytes of `values` (2-D float32) in qtype; K-quants get random blocks with sane scales."""
    if qtype == Q.F32:
        return values.astype(np.float32), None
    if qtype in K_QUANTS:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        rows, cols = values.shape
        blocks = rng.integers(0, 256, size=(rows * cols // block, size), dtype=np.uint8)
        for offset in K_SCALE_FIELDS[qtype]:
            unit = scale / K_RANGE[qtype]
            d = (np.abs(rng.normal(size=blocks.shape[0])) * unit + unit / 4).astype(np.float16)
            blocks[:, offset:offset + 2] = d.view(np.uint8).reshape(-1, 2)
        return blocks.reshape(rows, cols // block * size), qtype
    return gguf.quantize(values.astype(np.float32), qtype), qtype


def write_dequant_cases(rng):
    path = os.path.join(OUT, "dequant.gguf")
    w = gguf.GGUFWriter(path, arch="none")
    w.add_description("dequantisation cases for tests/gguf")
    cases = [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0] + K_QUANTS
    for qtype in cases:
        values = rng.normal(size=(2, 512)).astype(np.float32)
        data, raw = quantised(values, qtype, rng, scale=4.0)
        w.add_tensor(qtype.name, data, raw_dtype=raw)
        expected = gguf.dequantize(data, qtype).astype(np.float32)
        w.add_tensor(qtype.name + ".expected", expected.reshape(2, 512))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def llama_permute(weights, n_head):
    """What convert_hf_to_gguf.py's LlamaModel.permute does to q/k rows."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name or "ln_" in name):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5 * 1.5)


def add_vocabulary(w, tok):
    vocab = tok["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    special = {a["id"] for a in tok["added_tokens"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(0)
    w.add_add_bos_token(False)
    return len(tokens)


# name -> (model_type, config kwargs, {gguf tensor stem: type}, default type)
MODELS = {
    "llama_gqa_block32": ("llama", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, intermediate_size=128, tie_word_embeddings=False),
                          {"token_embd": Q.Q8_0, "output": Q.Q4_0, "attn_q": Q.Q4_0, "attn_k": Q.Q4_1,
                           "attn_v": Q.Q5_0, "attn_output": Q.Q5_1, "ffn_gate": Q.Q8_0,
                           "ffn_up": Q.BF16, "ffn_down": Q.F16}, Q.F32),
    "llama_mha_f32": ("llama", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=4, intermediate_size=96, tie_word_embeddings=True), {}, Q.F32),
    "llama_kquants": ("llama", dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4,
                      num_key_value_heads=2, intermediate_size=256, tie_word_embeddings=True),
                      {"token_embd": Q.Q6_K, "attn_q": Q.Q2_K, "attn_k": Q.Q3_K, "attn_v": Q.Q4_K,
                       "attn_output": Q.Q5_K, "ffn_gate": Q.Q6_K, "ffn_up": Q.Q4_K, "ffn_down": Q.Q5_K},
                      Q.F32),
    "qwen2_bias_q8": ("qwen2", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, intermediate_size=128, tie_word_embeddings=True),
                      {"token_embd": Q.Q8_0, "attn_q": Q.Q8_0, "attn_k": Q.Q5_1, "attn_v": Q.Q8_0,
                       "attn_output": Q.Q4_1, "ffn_gate": Q.Q8_0, "ffn_up": Q.Q8_0, "ffn_down": Q.Q5_0},
                      Q.F32),
    # transformers reads GPT-2's context_length as n_ctx and keeps n_positions at 1024: use 1024.
    "gpt2_f16": ("gpt2", dict(n_embd=64, n_layer=2, n_head=4, n_positions=1024),
                 {"token_embd": Q.F16, "position_embd": Q.F16, "attn_qkv": Q.F16, "attn_output": Q.Q8_0,
                  "ffn_up": Q.F16, "ffn_down": Q.Q8_0}, Q.F32),
    # Further families, unquantised so that the round trip through the file is checked as well.
    # transformers reads no rope.freq_base for starcoder2 and no layer-norm epsilon for falcon:
    # those stay at their defaults. Falcon has one key/value head (multi-query), the layout in
    # which llama.cpp's fused qkv equals the Hugging Face one (transformers does not reorder it).
    "phi3_f32": ("phi3", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, intermediate_size=64, tie_word_embeddings=True,
                 pad_token_id=0), {}, Q.F32),
    "starcoder2_f32": ("starcoder2", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, intermediate_size=128, tie_word_embeddings=True), {},
                       Q.F32),
    "falcon_f32": ("falcon", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                   multi_query=True, new_decoder_architecture=False, parallel_attn=True, bias=False,
                   tie_word_embeddings=True), {}, Q.F32),
    "gemma2_f32": ("gemma2", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                   num_key_value_heads=2, head_dim=16, intermediate_size=96, tie_word_embeddings=True,
                   pad_token_id=0), {}, Q.F32),
}
# Families named by the gguf package's own tensor map (its gguf/tensor_mapping.py).
GGUF_PACKAGE_NAMES = {"phi3": gguf.MODEL_ARCH.PHI3, "starcoder2": gguf.MODEL_ARCH.STARCODER2,
                      "falcon": gguf.MODEL_ARCH.FALCON, "gemma2": gguf.MODEL_ARCH.GEMMA2}

HF_TO_GGUF = {
    "model.embed_tokens": "token_embd", "model.norm": "output_norm", "lm_head": "output",
    "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
    "transformer.wte": "token_embd", "transformer.wpe": "position_embd", "transformer.ln_f": "output_norm",
    "ln_1": "attn_norm", "ln_2": "ffn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
    "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down",
}


def gguf_name(hf, model_type, layers):
    stem, suffix = hf.rsplit(".", 1)
    if model_type in GGUF_PACKAGE_NAMES:
        return gguf.get_tensor_name_map(GGUF_PACKAGE_NAMES[model_type], layers).get_name(stem), suffix
    for prefix in ("model.layers.", "transformer.h."):
        if stem.startswith(prefix):
            layer, rest = stem[len(prefix):].split(".", 1)
            return f"blk.{layer}.{HF_TO_GGUF[rest]}", suffix
    return HF_TO_GGUF[stem], suffix


def write_model(name, model_type, kwargs, types, default, vocab_json, index, rng):
    config_class = transformers.AutoConfig.for_model(model_type).__class__
    config = config_class(vocab_size=len(vocab_json["model"]["vocab"]), bos_token_id=0, eos_token_id=0,
                          **kwargs)
    torch.manual_seed(3000 + index)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    randomise(model, 4000 + index)
    path = os.path.join(OUT, name + ".gguf")
    arch = model_type
    w = gguf.GGUFWriter(path, arch=arch)
    w.add_name(name)
    w.add_block_count(config.num_hidden_layers)
    w.add_embedding_length(config.hidden_size)
    w.add_head_count(config.num_attention_heads)
    if model_type == "gpt2":
        w.add_context_length(config.n_positions)
        w.add_feed_forward_length(4 * config.hidden_size)
        w.add_layer_norm_eps(config.layer_norm_epsilon)
    elif model_type == "falcon":  # what convert_hf_to_gguf.py's FalconModel writes
        w.add_context_length(2048)
        w.add_tensor_data_layout("jploski")
        w.add_head_count_kv(1 if config.multi_query else config.num_kv_heads)
        w.add_layer_norm_eps(config.layer_norm_epsilon)
    elif model_type == "starcoder2":
        w.add_context_length(config.max_position_embeddings)
        w.add_feed_forward_length(config.intermediate_size)
        w.add_head_count_kv(config.num_key_value_heads)
        w.add_rope_freq_base(config.rope_parameters["rope_theta"])
        w.add_layer_norm_eps(config.norm_epsilon)
    else:
        w.add_context_length(config.max_position_embeddings)
        w.add_feed_forward_length(config.intermediate_size)
        w.add_head_count_kv(config.num_key_value_heads)
        w.add_rope_freq_base(config.rope_parameters["rope_theta"])
        w.add_layer_norm_rms_eps(config.rms_norm_eps)
        w.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
        if model_type == "gemma2":
            w.add_key_length(config.head_dim)
            w.add_value_length(config.head_dim)
            w.add_sliding_window(config.sliding_window)
            w.add_attn_logit_softcapping(config.attn_logit_softcapping)
            w.add_final_logit_softcapping(config.final_logit_softcapping)
    add_vocabulary(w, vocab_json)
    if model_type == "phi3":  # its config's default pad id (32000) lies outside the tiny vocabulary
        w.add_pad_token_id(0)
    state = model.state_dict()
    for hf, tensor in state.items():
        if hf == "lm_head.weight" and config.tie_word_embeddings:
            continue
        if hf.endswith(".attn.bias") or hf.endswith(".attn.masked_bias"):
            continue
        stem, suffix = gguf_name(hf, model_type, config.num_hidden_layers)
        values = tensor.float().numpy()
        if model_type == "gemma2" and stem.endswith("norm"):
            values = values + 1  # convert_hf_to_gguf.py stores Gemma's (1 + weight) norm scales
        if model_type == "llama" and stem.endswith("attn_q"):
            values = llama_permute(values, config.num_attention_heads)
        if model_type == "llama" and stem.endswith("attn_k"):
            values = llama_permute(values, config.num_key_value_heads)
        if model_type == "gpt2" and values.ndim == 2 and stem.startswith("blk."):
            values = values.T.copy()
        part = stem.split(".")[-1]
        qtype = types.get(part, default) if values.ndim == 2 else Q.F32
        data, raw = quantised(values, qtype, rng)
        w.add_tensor(f"{stem}.{suffix}", data, raw_dtype=raw)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return model, config


def patch_tensor_info(path, name, qtype=None, offset=None):
    """Overwrites the type and/or offset of one tensor's entry in the tensor directory."""
    data = bytearray(open(path, "rb").read())
    key = len(name).to_bytes(8, "little") + name.encode()
    at = data.index(key) + len(key)
    dims = int.from_bytes(data[at:at + 4], "little")
    at += 4 + 8 * dims
    if qtype is not None:
        data[at:at + 4] = int(qtype).to_bytes(4, "little")
    if offset is not None:
        data[at + 4:at + 12] = int(offset).to_bytes(8, "little")
    open(path, "wb").write(bytes(data))


def tiny_model(path, vocab_json, rng, arch="llama", tokens_cut=0, block_count="int",
               extra=None):
    """A one-block model with llama's tensor names; `extra(writer)` adds keys or tensors."""
    w = gguf.GGUFWriter(path, arch=arch)
    if block_count == "int":
        w.add_block_count(1)
    else:
        w.add_string(f"{arch}.block_count", "one")
    w.add_embedding_length(32)
    w.add_head_count(2)
    w.add_feed_forward_length(32)
    w.add_context_length(64)
    cut = dict(vocab_json)
    cut["model"] = dict(vocab_json["model"])
    vocab = dict(sorted(vocab_json["model"]["vocab"].items(), key=lambda kv: kv[1]))
    if tokens_cut:
        vocab = dict(list(vocab.items())[:-tokens_cut])
    cut["model"]["vocab"] = vocab
    add_vocabulary(w, cut)
    n = len(vocab_json["model"]["vocab"])
    f16 = lambda *shape: rng.normal(size=shape).astype(np.float16)
    w.add_tensor("token_embd.weight", f16(n, 32))
    w.add_tensor("output_norm.weight", np.ones(32, np.float32))
    for part in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"):
        w.add_tensor(f"blk.0.{part}.weight", f16(32, 32))
    for part in ("attn_norm", "ffn_norm"):
        w.add_tensor(f"blk.0.{part}.weight", np.ones(32, np.float32))
    if extra:
        extra(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_bad_files(vocab_json, rng):
    """Small damaged files for the refusal tests (tests/data/gguf/bad)."""
    bad = os.path.join(OUT, "bad")
    os.makedirs(bad, exist_ok=True)
    tiny = lambda path, **kw: tiny_model(path, vocab_json, rng, **kw)

    tiny(os.path.join(bad, "unknown_architecture.gguf"), arch="mamba9")
    tiny(os.path.join(bad, "wrong_key_type.gguf"), block_count="string")
    tiny(os.path.join(bad, "vocab_mismatch.gguf"), tokens_cut=5)
    path = os.path.join(bad, "unknown_type.gguf")
    tiny(path)
    patch_tensor_info(path, "blk.0.attn_v.weight", qtype=99)
    path = os.path.join(bad, "unsupported_type.gguf")
    tiny(path)
    patch_tensor_info(path, "blk.0.attn_v.weight", qtype=Q.F64)
    path = os.path.join(bad, "offset_past_end.gguf")
    tiny(path)
    patch_tensor_info(path, "blk.0.ffn_down.weight", offset=1 << 30)


def write_unsupported_layouts(vocab_json):
    """Well-formed files in layouts LLMap refuses (tests/data/gguf/bad): Falcon with grouped
    key/value heads and Phi-3 with LongRoPE factor tensors."""
    bad = os.path.join(OUT, "bad")
    rng = np.random.default_rng(12)
    tiny_model(os.path.join(bad, "falcon_grouped_kv.gguf"), vocab_json, rng, arch="falcon",
               extra=lambda w: w.add_head_count_kv(2))
    tiny_model(os.path.join(bad, "phi3_longrope.gguf"), vocab_json, rng, arch="phi3",
               extra=lambda w: w.add_tensor("rope_factors_long.weight", np.ones(8, np.float32)))


def write_size_mismatches(vocab_json):
    """Files whose tensor directory declares a type that disagrees with the data laid out
    (tests/data/gguf/bad): an f16 tensor relabelled IQ4_NL (576 bytes where 2048 lie) and one
    relabelled F32 (4096 bytes, running into the next tensor)."""
    bad = os.path.join(OUT, "bad")
    rng = np.random.default_rng(13)
    for name, tensor, qtype in (("type_smaller_than_data.gguf", "blk.0.attn_v.weight", Q.IQ4_NL),
                                ("type_larger_than_data.gguf", "blk.0.attn_q.weight", Q.F32)):
        path = os.path.join(bad, name)
        tiny_model(path, vocab_json, rng)
        patch_tensor_info(path, tensor, qtype=qtype)


def score(model, ids):
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return sum(logp[t - 1, ids[t]].item() for t in range(1, len(ids)))


def oracle_record(name, model_type, source, config, check_round_trip):
    """transformers' token ids and log-likelihoods of OUT/<name>.gguf and its metadata; an
    unquantised file (check_round_trip) must score as the model it was written from."""
    file = name + ".gguf"
    tok = AutoTokenizer.from_pretrained(OUT, gguf_file=file)
    model = AutoModelForCausalLM.from_pretrained(OUT, gguf_file=file, dtype=torch.float32).eval()
    prefix = config.bos_token_id
    texts = []
    worst_source = 0.0
    for text in TEXTS:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        ids_full = [prefix] + ids
        ll = score(model, ids_full)
        if check_round_trip:
            worst_source = max(worst_source, abs(ll - score(source, ids_full)))
        texts.append(dict(text=text, ids=ids, ids_full=ids_full, ll_full=ll))
    assert worst_source < 1e-3, f"{name}: GGUF round trip changed the model by {worst_source}"
    reader = gguf.GGUFReader(os.path.join(OUT, file))
    elements = {}
    for t in reader.tensors:
        if len(t.shape) >= 2:
            elements[t.tensor_type.name] = elements.get(t.tensor_type.name, 0) + int(t.n_elements)
    print(f"{name}: {os.path.getsize(os.path.join(OUT, file))} bytes, "
          f"ll of text 0 = {texts[0]['ll_full']:.4f}")
    return dict(name=name, file=file, model_type=model_type,
                parameters=int(sum(int(t.n_elements) for t in reader.tensors)),
                bits_per_weight=8 * sum(int(t.n_bytes) for t in reader.tensors) /
                sum(int(t.n_elements) for t in reader.tensors),
                quantisation=max(elements, key=elements.get),
                vocab_size=config.vocab_size, layers=config.num_hidden_layers,
                hidden_size=config.hidden_size, texts=texts)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(11)
    write_dequant_cases(rng)
    with open(TOKENIZER) as f:
        vocab_json = json.load(f)
    write_bad_files(vocab_json, rng)
    records = []
    for index, (name, (model_type, kwargs, types, default)) in enumerate(MODELS.items()):
        source, config = write_model(name, model_type, kwargs, types, default, vocab_json, index, rng)
        records.append(oracle_record(name, model_type, source, config,
                                     check_round_trip=default == Q.F32 and not types))
    write_unsupported_layouts(vocab_json)
    write_size_mismatches(vocab_json)
    with open(os.path.join(OUT, "oracle.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate.py", transformers=transformers.__version__,
                       torch=torch.__version__, gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    import importlib.metadata
    main()
