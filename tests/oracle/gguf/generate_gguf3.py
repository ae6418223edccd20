#!/usr/bin/env python3
"""GGUF files of the llama4, qwen35, qwen35moe and qwen3next architectures, converted by
llama.cpp's own convert_hf_to_gguf.py (float32) from tiny Hugging Face models, and what
transformers computes for those Hugging Face originals.

Sources: for llama4, models built here (seeded); for the others, the fixtures under
tests/data/model/families_qwen3next/ that llama.cpp can convert (Qwen3-Next only with experts on
every layer, renormalised: llama.cpp's qwen3next has no dense layers), converted with --no-mtp
(the converter otherwise requires multi-token prediction layers), and one of them with a random
multi-token prediction block added (gguf3_qwen35_mtp: nextn_predict_layers 1, a block LLMap must
leave out). Their key and value heads
differ in number (the converter reorders the value heads) and in size. The records of the gated
DeltaNet's files carry transformers' own decode gap (decode_gap_20, as
generate_families_qwen3next.py records it), which tests/model/tst_decode.cpp allows twice over.

llama.cpp's llama4 reads none of Llama 4's attention settings from the file: it attends within
chunks of 8192 positions on three layers of four and without rotary on the fourth, tunes the
attention temperature with floor 8192 and scale 0.1, and normalises q and k unless the model has
128 experts; a file with attention.sliding_window 0 (written when every layer_types entry is
full_attention) rotates and attends fully on every layer. The models are built with those
settings so that the Hugging Face originals compute what the files describe. The converter is run
as shipped except that the small byte-level BPE vocabulary is declared as the "gpt-2"
pre-tokenizer (the converter knows real models' vocabularies by hash only).

Where transformers' own GGUF loader knows the architecture, the file is loaded with it too and
must give the same scores.

Also writes, for the refusals: bad/gguf3_llama4_swa_pattern.gguf (llama4 with
attention.sliding_window_pattern), bad/gguf3_llama4_rope_dim.gguf (rope.dimension_count half the
head), bad/gguf3_llama4_attn_bias.gguf (an attn_q.bias llama.cpp's llama4 does not read),
bad/gguf3_qwen35_time_section.gguf (rope.dimension_sections with a time section) and
bad/gguf3_qwen35_nextn_all.gguf (nextn_predict_layers: every block a multi-token prediction one)
and
bad/gguf3_qwen3next_ssm_in.gguf (an older converter's fused ssm_in).

Writes tests/data/gguf/gguf3_*.gguf and oracle_gguf3.json.
Run from the repository root:  python3 tests/oracle/gguf/generate_gguf3.py
Needs torch, transformers (5.x), gguf, numpy and llama.cpp's source (LLAMA_CPP, default
~/.cache/llmap/bench/llama_cpp_python-0.3.36/vendor/llama.cpp). Takes a minute.
"""
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import gguf
import numpy as np
import safetensors.torch
import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_spec = importlib.util.spec_from_file_location(
    "gguf2_oracle", os.path.join(ROOT, "tests", "oracle", "gguf", "generate_gguf2.py"))
g2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(g2)
base, OUT, MODELS = g2.base, g2.OUT, g2.MODELS
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle", "model"))
import generate_families_qwen3next as qwen3next  # noqa: E402

COMMON = dict(vocab_size=320, hidden_size=32, max_position_embeddings=512, bos_token_id=0,
              eos_token_id=1, pad_token_id=None)
# llama.cpp's fixed Llama 4 attention (see above).
LLAMA4 = dict(COMMON, head_dim=8, intermediate_size=16, intermediate_size_mlp=40,
              attention_chunk_size=8192, no_rope_layer_interval=4, floor_scale=8192,
              attn_scale=0.1, attn_temperature_tuning=True, use_qk_norm=True)
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 4.0,
               "low_freq_factor": 1.0, "high_freq_factor": 2.0,
               "original_max_position_embeddings": 16}


def llama4_step2_gqa_untied(folder):
    """Dense layers 0 and 2, top-1 of 4 experts on layers 1 and 3; layer 3 without rotary."""
    return transformers.Llama4TextConfig(
        **LLAMA4, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
        num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=2,
        tie_word_embeddings=False), 3101


def llama4_llama3_rope_top2_tied(folder):
    """Every layer sparse (top-2 of 3), MHA, tied, llama3 rotary scaling (rope_freqs)."""
    return transformers.Llama4TextConfig(
        **LLAMA4, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
        num_local_experts=3, num_experts_per_tok=2, interleave_moe_layer_step=1,
        rope_parameters=LLAMA3_ROPE, tie_word_embeddings=True), 3102


def llama4_full_attention_mqa(folder):
    """layer_types all full_attention (attention.sliding_window 0): rotary on every layer."""
    return transformers.Llama4TextConfig(
        **dict(LLAMA4, attention_chunk_size=None), num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=1, num_local_experts=2, num_experts_per_tok=1,
        interleave_moe_layer_step=2, no_rope_layers=[1, 1, 1, 1],
        layer_types=["full_attention"] * 4, tie_word_embeddings=False), 3103


def llama4_128experts_noqknorm(folder):
    """128 experts: llama.cpp's Maverick, whose q and k are not normalised."""
    return transformers.Llama4TextConfig(
        **dict(LLAMA4, intermediate_size=4, use_qk_norm=False), num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, num_local_experts=128,
        num_experts_per_tok=1, interleave_moe_layer_step=2, tie_word_embeddings=False), 3104


# name -> (builder or fixture folder under tests/data/model, expected architecture, model_type)
FILES = {
    "gguf3_llama4_step2_gqa_untied": (llama4_step2_gqa_untied, "llama4", "llama4_text"),
    "gguf3_llama4_llama3_rope_top2_tied": (llama4_llama3_rope_top2_tied, "llama4",
                                           "llama4_text"),
    "gguf3_llama4_full_attention_mqa": (llama4_full_attention_mqa, "llama4", "llama4_text"),
    "gguf3_llama4_128experts_noqknorm": (llama4_128experts_noqknorm, "llama4", "llama4_text"),
    "gguf3_qwen35_gqa_rot25_untied": ("families_qwen3next/qwen3_5_text_gqa_rot25_untied", "qwen35",
                                      "qwen3_5_text"),
    "gguf3_qwen35_mha_whole_rotary_tied": (
        "families_qwen3next/qwen3_5_text_mha_whole_rotary_tied", "qwen35", "qwen3_5_text"),
    "gguf3_qwen35moe_gqa_rot50": ("families_qwen3next/qwen3_5_moe_text_gqa_rot50", "qwen35moe",
                                  "qwen3_5_moe_text"),
    "gguf3_qwen35_mtp": ("families_qwen3next/qwen3_5_text_gqa_rot25_untied+mtp", "qwen35",
                         "qwen3_5_text"),
    "gguf3_qwen3next_gqa_rot25": ("families_qwen3next/qwen3_next_moe_gqa_rot25_interval4",
                                  "qwen3next", "qwen3_next"),
}
def with_mtp(source, folder):
    """The fixture `source` with a multi-token prediction block (mtp.*: a full-attention layer, fc
    and its norms, random) that transformers does not load and llama.cpp's converter writes as
    block num_hidden_layers (nextn_predict_layers 1)."""
    shutil.copytree(source, folder)
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    config["mtp_num_hidden_layers"] = 1
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    weights = safetensors.torch.load_file(os.path.join(folder, "model.safetensors"))
    full = config["layer_types"].index("full_attention")
    g = torch.Generator().manual_seed(3201)
    prefix = f"model.layers.{full}."
    for name, w in list(weights.items()):
        if name.startswith(prefix):
            weights["mtp.layers.0." + name[len(prefix):]] = torch.randn(w.shape, generator=g) * 0.1
    D = config["hidden_size"]
    weights["mtp.fc.weight"] = torch.randn((D, 2 * D), generator=g) * 0.1
    for norm in ("pre_fc_norm_embedding", "pre_fc_norm_hidden", "norm"):
        weights[f"mtp.{norm}.weight"] = torch.randn(D, generator=g) * 0.1
    safetensors.torch.save_file(weights, os.path.join(folder, "model.safetensors"),
                                metadata={"format": "pt"})


# The gated DeltaNet's families: their files get transformers' own decode gap (see decode_gap).
DELTANET = ("qwen35", "qwen35moe", "qwen3next")


def convert(source, path, arch):
    """llama.cpp's converter (generate_gguf2.CONVERT); the Qwen3.5 converter needs multi-token
    prediction layers unless told to leave them out (--no-mtp)."""
    has_mtp = os.path.exists(os.path.join(source, "config.json")) and "mtp_num_hidden_layers" in \
        json.load(open(os.path.join(source, "config.json")))
    extra = ["--no-mtp"] if arch in DELTANET and not has_mtp else []
    subprocess.run([sys.executable, "-c", g2.CONVERT, g2.LLAMA_CPP, source, "--outtype", "f32",
                    *extra, "--outfile", path], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def build(folder, make):
    config, seed = make(folder)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    base.randomise(model, seed)
    model.save_pretrained(folder)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        src = os.path.join(MODELS, "families_cohere", "cohere_gqa_qknorm_tied", f)
        if os.path.exists(src):
            shutil.copy(src, folder)


def add_key(src, dst, key, value, vtype, extra_tensor=None):
    """`src` with one more key (or `key` replaced; none for key None) and, given as (name, array),
    one more tensor, written to `dst`."""
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch=arch)
    g2.copy_fields(reader, writer, skip={key})
    if key is not None and vtype == gguf.GGUFValueType.ARRAY:
        writer.add_array(key, value)
    elif key is not None:
        writer.add_key_value(key, value, vtype)
    if extra_tensor is not None:
        writer.add_tensor(*extra_tensor)
    for t in reader.tensors:
        writer.add_tensor(t.name, t.data.copy(), raw_shape=list(reversed([int(d) for d in t.shape])),
                          raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


class TokenizerJson:
    """The folder's tokenizer.json as it is, as the files' "gpt-2" pre-tokenizer reads it
    (AutoTokenizer gives a qwen3_5_moe folder transformers' Qwen3_5Tokenizer, whose own
    pre-tokenizer splits digits one by one)."""

    @staticmethod
    def from_pretrained(folder):
        return transformers.PreTrainedTokenizerFast(
            tokenizer_file=os.path.join(folder, "tokenizer.json"))


def record(name, file, model_type, folder):
    """generate_gguf2.record, with the token ids of TokenizerJson, and except that a model transformers' GGUF loader builds but cannot run
    (its Qwen3.5 takes rope.dimension_sections' four entries for the three of mrope_section) is
    noted, with the error, rather than compared."""
    load = transformers.AutoModelForCausalLM.from_pretrained
    error = None

    def checked(*args, **kwargs):
        nonlocal error
        model = load(*args, **kwargs)
        if kwargs.get("gguf_file"):
            try:
                base.score(model, [0, 1, 2])
            except Exception as e:  # noqa: BLE001
                error = f"{type(e).__name__}: {e}"
                raise
        return model

    g2.AutoModelForCausalLM.from_pretrained = checked
    tokenizer_class = g2.AutoTokenizer
    g2.AutoTokenizer = TokenizerJson
    try:
        r = g2.record(name, file, model_type, folder)
    finally:
        g2.AutoModelForCausalLM.from_pretrained = load
        g2.AutoTokenizer = tokenizer_class
    if error:
        r["transformers_gguf_loader_error"] = error
    return r


def main():
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (source, arch, model_type) in FILES.items():
            if callable(source):
                folder = os.path.join(tmp, name)
                build(folder, source)
            elif source.endswith("+mtp"):
                folder = os.path.join(tmp, name)
                with_mtp(os.path.join(MODELS, source[:-len("+mtp")]), folder)
            else:
                folder = os.path.join(MODELS, source)
            file = name + ".gguf"
            convert(folder, os.path.join(OUT, file), arch)
            got = gguf.GGUFReader(os.path.join(OUT, file)).fields["general.architecture"].contents()
            assert got == arch, f"{name}: converted as {got}, not {arch}"
            rec = record(name, file, model_type, folder)
            if arch in DELTANET:
                model = transformers.AutoModelForCausalLM.from_pretrained(
                    folder, dtype=torch.float32).eval()
                rec["decode_gap_20"] = qwen3next.decode_gap(model, 12345, 20, 3)
            records.append(rec)
    bad = os.path.join(OUT, "bad")
    src = os.path.join(OUT, "gguf3_llama4_step2_gqa_untied.gguf")
    add_key(src, os.path.join(bad, "gguf3_llama4_swa_pattern.gguf"),
            "llama4.attention.sliding_window_pattern", 2, gguf.GGUFValueType.UINT32)
    add_key(src, os.path.join(bad, "gguf3_llama4_rope_dim.gguf"), "llama4.rope.dimension_count", 4,
            gguf.GGUFValueType.UINT32)
    add_key(src, os.path.join(bad, "gguf3_llama4_attn_bias.gguf"), None, None, None,
            ("blk.0.attn_q.bias", np.zeros(32, dtype=np.float32)))
    src = os.path.join(OUT, "gguf3_qwen35_gqa_rot25_untied.gguf")
    add_key(src, os.path.join(bad, "gguf3_qwen35_time_section.gguf"),
            "qwen35.rope.dimension_sections", [1, 0, 0, 1], gguf.GGUFValueType.ARRAY)
    add_key(src, os.path.join(bad, "gguf3_qwen35_nextn_all.gguf"), "qwen35.nextn_predict_layers",
            4, gguf.GGUFValueType.UINT32)
    add_key(os.path.join(OUT, "gguf3_qwen3next_gqa_rot25.gguf"),
            os.path.join(bad, "gguf3_qwen3next_ssm_in.gguf"), None, None, None,
            ("blk.0.ssm_in.weight", np.zeros((80, 32), dtype=np.float32)))
    with open(os.path.join(OUT, "oracle_gguf3.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_gguf3.py",
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
