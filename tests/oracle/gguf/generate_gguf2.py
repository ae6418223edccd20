#!/usr/bin/env python3
"""GGUF files of the qwen2moe, granite, command-r, cohere2, glm4 and deepseek2 architectures,
converted by llama.cpp's own convert_hf_to_gguf.py (float32) from tiny Hugging Face models of the
families, and what transformers computes for those Hugging Face originals.

Sources: the fixtures under tests/data/model/ whose settings llama.cpp reproduces (not
cohere_mha_untied_bias: llama.cpp's command-r has no output matrix, so untied Command-R models do
not convert), and two models
built here (seeded) for settings no fixture has in llama.cpp's form: a Cohere2 with llama.cpp's
fixed pattern of three sliding layers then one global, and a DeepSeek-V2 with a compressed query
(q_lora_rank). The converter is run as shipped except that (a) the fixtures' small byte-level BPE
vocabulary is declared as the "gpt-2" pre-tokenizer (the converter knows real models' vocabularies
by hash only), (b) GLM-4's set_vocab, which looks up GLM's special tokens, takes the plain gpt2
path, (c) Cohere2 gets rotary_pct = 1 (transformers' Cohere2 rotates the whole head).

deepseek2: the converter of this llama.cpp splits kv_b_proj into attn_k_b / attn_v_b and writes
the *_mla keys; gguf2_deepseek2_kvb.gguf is the same model in the older layout (one attn_kv_b,
key_length = nope + rope, value_length = v_head_dim), rewritten here with the gguf package.

Where transformers' own GGUF loader knows the architecture, the file is loaded with it too and
must give the same scores.

Also writes bad/gguf2_head_count.gguf (glm4, attention.head_count 8 for 4 heads of the tensors)
and bad/gguf2_expert_count.gguf (qwen2moe, expert_count 5 for 4 stacked experts).

Writes tests/data/gguf/gguf2_*.gguf and oracle_gguf2.json.
Run from the repository root:  python3 tests/oracle/gguf/generate_gguf2.py
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
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LLAMA_CPP = os.environ.get("LLAMA_CPP", os.path.expanduser(
    "~/.cache/llmap/bench/llama_cpp_python-0.3.36/vendor/llama.cpp"))
_spec = importlib.util.spec_from_file_location(
    "gguf_oracle", os.path.join(ROOT, "tests", "oracle", "gguf", "generate.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)
OUT, TEXTS = base.OUT, base.TEXTS
MODELS = os.path.join(ROOT, "tests", "data", "model")

# The converter as shipped, with the three changes named above; run in a child process.
CONVERT = r"""
import os, runpy, sys
L = sys.argv[1]
sys.path.insert(0, L)
sys.path.insert(1, os.path.join(L, "gguf-py"))
import conversion.base as b
import conversion.command_r as cr
import conversion.glm as glm
b.TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
glm.Glm4Model.set_vocab = lambda self: self._set_vocab_gpt2()
_cohere2 = cr.Cohere2Model.set_gguf_parameters
def cohere2(self):
    self.hparams.setdefault("rotary_pct", 1.0)
    _cohere2(self)
cr.Cohere2Model.set_gguf_parameters = cohere2
sys.argv = [os.path.join(L, "convert_hf_to_gguf.py")] + sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def built_cohere2(folder):
    """Cohere2 in llama.cpp's layout: layers 0-2 sliding (window 3), layer 3 global."""
    config = transformers.Cohere2Config(
        vocab_size=320, hidden_size=32, intermediate_size=48, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=2, sliding_window=3, logit_scale=0.6,
        layer_types=["sliding_attention"] * 3 + ["full_attention"], attention_bias=False,
        max_position_embeddings=512, bos_token_id=0, eos_token_id=1, pad_token_id=None,
        tie_word_embeddings=True)
    return config, 1101


def built_deepseek_v2(folder):
    """DeepSeek-V2 with q_lora_rank (attn_q_a / attn_q_a_norm / attn_q_b), greedy routing."""
    config = transformers.DeepseekV2Config(
        vocab_size=320, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=4, q_lora_rank=12, kv_lora_rank=16,
        qk_nope_head_dim=8, qk_rope_head_dim=4, v_head_dim=10, head_dim=4,
        n_routed_experts=6, num_experts_per_tok=2, n_shared_experts=2, moe_intermediate_size=12,
        first_k_dense_replace=1, topk_method="greedy", routed_scaling_factor=0.8,
        max_position_embeddings=512, bos_token_id=0, eos_token_id=1, pad_token_id=None,
        tie_word_embeddings=False)
    return config, 1102


def build(folder, make):
    config, seed = make(folder)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    base.randomise(model, seed)
    model.save_pretrained(folder)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        src = os.path.join(MODELS, "families_cohere", "cohere_gqa_qknorm_tied", f)
        if os.path.exists(src):
            shutil.copy(src, folder)


# name -> (fixture folder under tests/data/model, or a builder), expected architecture, model_type
FILES = {
    "gguf2_qwen2moe": ("families_moe/qwen2_moe_shared24_4experts_top2_gqa", "qwen2moe", "qwen2_moe"),
    "gguf2_granite_gqa_multipliers": ("families_cohere/granite_gqa_multipliers", "granite",
                                      "granite"),
    "gguf2_granite_mha_bias_tied": ("families_cohere/granite_mha_tied_bias", "granite", "granite"),
    "gguf2_command_r_qknorm_tied": ("families_cohere/cohere_gqa_qknorm_tied", "command-r",
                                    "cohere"),
    "gguf2_cohere2_sss_global": (built_cohere2, "cohere2", "cohere2"),
    "gguf2_glm4_gqa_rot50": ("families_cohere/glm4_gqa_rot50", "glm4", "glm4"),
    "gguf2_glm4_mha_rot25_tied": ("families_cohere/glm4_mha_headdim16_rot25_nobias_tied", "glm4",
                                  "glm4"),
    "gguf2_deepseek2": ("families_b/deepseek_v2_greedy_shared_dense1", "deepseek2",
                        "deepseek_v2"),
    "gguf2_deepseek2_qlora": (built_deepseek_v2, "deepseek2", "deepseek_v2"),
}


def convert(source, path):
    subprocess.run([sys.executable, "-c", CONVERT, LLAMA_CPP, source, "--outtype", "f32",
                    "--outfile", path], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def copy_fields(reader, writer, skip=(), replace=None):
    """Every key of `reader` but the architecture and `skip` into `writer`, `replace` overriding."""
    replace = replace or {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or key in skip:
            continue
        vtype = field.types[0]
        value = replace.get(key, field.contents())
        if vtype == gguf.GGUFValueType.ARRAY:
            writer.add_array(key, value)
        else:
            writer.add_key_value(key, value, vtype)


def write_kvb_layout(src, dst):
    """The deepseek2 file with attn_k_b / attn_v_b joined into attn_kv_b and no *_mla keys."""
    reader = gguf.GGUFReader(src)
    arch = "deepseek2"
    get = lambda k: reader.fields[f"{arch}.{k}"].contents()  # noqa: E731
    rope = get("rope.dimension_count")
    nope, v = get("attention.key_length_mla") - rope, get("attention.value_length_mla")
    writer = gguf.GGUFWriter(dst, arch=arch)
    copy_fields(reader, writer,
                skip={f"{arch}.attention.key_length_mla", f"{arch}.attention.value_length_mla"},
                replace={f"{arch}.attention.key_length": nope + rope,
                         f"{arch}.attention.value_length": v})
    tensors = {t.name: np.array(t.data).reshape([int(d) for d in reversed(t.shape)])
               for t in reader.tensors}
    for name, data in tensors.items():
        if name.endswith("attn_v_b.weight"):
            continue
        if name.endswith("attn_k_b.weight"):
            vb = tensors[name.replace("attn_k_b", "attn_v_b")]
            kv = np.concatenate([data.transpose(0, 2, 1), vb], axis=1)
            writer.add_tensor(name.replace("attn_k_b", "attn_kv_b"),
                              np.ascontiguousarray(kv.reshape(-1, kv.shape[-1])))
            continue
        writer.add_tensor(name, np.ascontiguousarray(data))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def patch_int_key(src, dst, key, value):
    shutil.copy(src, dst)
    reader = gguf.GGUFReader(dst, "r+")
    field = reader.fields[key]
    field.parts[field.data[0]][0] = value
    del reader


def record(name, file, model_type, folder):
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    config = model.config
    gguf_model = None
    try:
        gguf_model = AutoModelForCausalLM.from_pretrained(OUT, gguf_file=file,
                                                          dtype=torch.float32).eval()
    except Exception:  # transformers' GGUF loader does not know the architecture
        pass
    texts = []
    for text in TEXTS:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        ids_full = [config.bos_token_id] + ids
        ll = base.score(model, ids_full)
        if gguf_model is not None:
            gap = abs(ll - base.score(gguf_model, ids_full))
            assert gap < 1e-3, f"{name}: transformers' GGUF loader differs by {gap}"
        texts.append(dict(text=text, ids=ids, ids_full=ids_full, ll_full=ll))
    reader = gguf.GGUFReader(os.path.join(OUT, file))
    n = sum(int(t.n_elements) for t in reader.tensors)
    print(f"{name}: {os.path.getsize(os.path.join(OUT, file))} bytes, ll of text 0 = "
          f"{texts[0]['ll_full']:.4f}, transformers' GGUF loader: {gguf_model is not None}")
    return dict(name=name, file=file, model_type=model_type, parameters=n,
                bits_per_weight=8 * sum(int(t.n_bytes) for t in reader.tensors) / n,
                quantisation="F32", vocab_size=config.vocab_size,
                layers=config.num_hidden_layers, hidden_size=config.hidden_size,
                transformers_gguf_loader=gguf_model is not None, texts=texts)


def main():
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (source, arch, model_type) in FILES.items():
            if callable(source):
                folder = os.path.join(tmp, name)
                build(folder, source)
            else:
                folder = os.path.join(MODELS, source)
            file = name + ".gguf"
            convert(folder, os.path.join(OUT, file))
            got = gguf.GGUFReader(os.path.join(OUT, file)).fields["general.architecture"].contents()
            assert got == arch, f"{name}: converted as {got}, not {arch}"
            records.append(record(name, file, model_type, folder))
            if name == "gguf2_deepseek2":
                kvb = "gguf2_deepseek2_kvb"
                write_kvb_layout(os.path.join(OUT, file), os.path.join(OUT, kvb + ".gguf"))
                records.append(record(kvb, kvb + ".gguf", model_type, folder))
    bad = os.path.join(OUT, "bad")
    patch_int_key(os.path.join(OUT, "gguf2_glm4_gqa_rot50.gguf"),
                  os.path.join(bad, "gguf2_head_count.gguf"), "glm4.attention.head_count", 8)
    patch_int_key(os.path.join(OUT, "gguf2_qwen2moe.gguf"),
                  os.path.join(bad, "gguf2_expert_count.gguf"), "qwen2moe.expert_count", 5)
    with open(os.path.join(OUT, "oracle_gguf2.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_gguf2.py",
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
