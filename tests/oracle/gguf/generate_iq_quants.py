#!/usr/bin/env python3
"""Reference data of ggml's IQ, ternary and MXFP4 types for tests/gguf.

1. dequant_iq.gguf, laid out as generate.py's dequant.gguf: for each of IQ4_NL, IQ4_XS, IQ3_S,
   IQ3_XXS, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S, IQ1_M, TQ1_0, TQ2_0 and MXFP4 a tensor "<TYPE>" of
   2 x 512 values and "<TYPE>.expected", the same values dequantised to F32 by gguf.dequantize (the
   package's quants.py). The types the package can quantise (TQ1_0, TQ2_0, MXFP4) are quantised
   from random normals; the others are random block bytes whose f16 scale is set to a finite value
   (IQ1_M spreads it over the top nibbles of its four scale words), so that every other bit of the
   layout, grid indices and signs included, is random.
2. Two tiny llama models stored in these types (written by generate.py's write_model, the IQ
   tensors as random blocks) and oracle_iq.json: transformers' token ids and log-likelihoods of
   each file (from_pretrained(folder, gguf_file=...)), as generate.py records them.

Run from the repository root:  python3 tests/oracle/gguf/generate_iq_quants.py
Needs numpy, torch, transformers (5.x), gguf (0.19). Takes about ten seconds on a CPU.
"""
import importlib.metadata
import importlib.util
import json
import os

import gguf
import numpy as np
import torch
import transformers
from gguf import GGMLQuantizationType as Q

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("gguf_oracle", os.path.join(HERE, "generate.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

QUANTISED = [Q.TQ1_0, Q.TQ2_0, Q.MXFP4]
# Byte offset of the f16 block scale (ggml's block_iq* structs; IQ1_M has none, see below) and
# the largest |value| / scale of the type, to keep random weights near +-`scale`.
SCALE_AT = {Q.IQ4_NL: 0, Q.IQ4_XS: 0, Q.IQ3_S: 0, Q.IQ3_XXS: 0, Q.IQ2_XXS: 0, Q.IQ2_XS: 0,
            Q.IQ2_S: 0, Q.IQ1_S: 0}
RANGE = {Q.IQ4_NL: 127, Q.IQ4_XS: 4064, Q.IQ3_S: 465, Q.IQ3_XXS: 480, Q.IQ2_XXS: 166,
         Q.IQ2_XS: 166, Q.IQ2_S: 166, Q.IQ1_S: 17, Q.IQ1_M: 17}
RANDOM = list(SCALE_AT) + [Q.IQ1_M]
IQ1_M_SCALES_AT = 48  # four little-endian uint16 words; their top nibbles hold the f16 scale

# name -> (config kwargs, {gguf tensor stem: type}); hidden 256 for the 256-value blocks.
MODELS = {
    "llama_iquants": (dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4,
                           num_key_value_heads=2, intermediate_size=256, tie_word_embeddings=True),
                      {"token_embd": Q.IQ4_XS, "attn_q": Q.IQ2_XXS, "attn_k": Q.IQ2_XS,
                       "attn_v": Q.IQ2_S, "attn_output": Q.IQ3_XXS, "ffn_gate": Q.IQ3_S,
                       "ffn_up": Q.IQ1_S, "ffn_down": Q.IQ1_M}),
    "llama_tq_mxfp4": (dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4,
                            num_key_value_heads=2, intermediate_size=256, tie_word_embeddings=False),
                       {"token_embd": Q.MXFP4, "output": Q.IQ4_NL, "attn_q": Q.TQ1_0,
                        "attn_k": Q.TQ2_0, "attn_v": Q.MXFP4, "attn_output": Q.IQ4_NL,
                        "ffn_gate": Q.TQ1_0, "ffn_up": Q.TQ2_0, "ffn_down": Q.MXFP4}),
}


def random_blocks(qtype, rows, cols, rng, scale):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(rows * cols // block, size), dtype=np.uint8)
    unit = scale / RANGE[qtype]
    d = (np.abs(rng.normal(size=blocks.shape[0])) * unit + unit / 4).astype(np.float16)
    if qtype == Q.IQ1_M:
        bits = d.view(np.uint16)
        words = blocks[:, IQ1_M_SCALES_AT:IQ1_M_SCALES_AT + 8].copy().view(np.uint16)
        for k in range(4):
            nibble = (bits >> np.uint16(4 * k)) & np.uint16(0xF)
            words[:, k] = (words[:, k] & np.uint16(0x0FFF)) | (nibble << np.uint16(12))
        blocks[:, IQ1_M_SCALES_AT:IQ1_M_SCALES_AT + 8] = words.view(np.uint8)
    else:
        at = SCALE_AT[qtype]
        blocks[:, at:at + 2] = d.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, cols // block * size)


_plain_quantised = gen.quantised


def quantised(values, qtype, rng, scale=0.3):
    """generate.py's quantised(), with random blocks for the types the package cannot quantise."""
    if qtype in RANDOM:
        return random_blocks(qtype, *values.shape, rng, scale), qtype
    return _plain_quantised(values, qtype, rng, scale)


gen.quantised = quantised  # write_model quantises through it


def write_dequant_cases(rng):
    path = os.path.join(gen.OUT, "dequant_iq.gguf")
    w = gguf.GGUFWriter(path, arch="none")
    w.add_description("dequantisation cases of the IQ, TQ and MXFP4 types for tests/gguf")
    for qtype in RANDOM + QUANTISED:
        values = rng.normal(size=(2, 512)).astype(np.float32)
        data, _ = quantised(values, qtype, rng, scale=4.0)
        expected = gguf.dequantize(data, qtype).astype(np.float32).reshape(2, 512)
        assert np.all(np.isfinite(expected)), qtype.name
        w.add_tensor(qtype.name, data, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", expected)
        print(f"{qtype.name}: values up to {np.abs(expected).max():.3g}")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    rng = np.random.default_rng(20)
    write_dequant_cases(rng)
    with open(gen.TOKENIZER) as f:
        vocab_json = json.load(f)
    records = []
    for index, (name, (kwargs, types)) in enumerate(MODELS.items()):
        source, config = gen.write_model(name, "llama", kwargs, types, Q.F32, vocab_json, 20 + index,
                                         rng)
        records.append(gen.oracle_record(name, "llama", source, config, check_round_trip=False))
    with open(os.path.join(gen.OUT, "oracle_iq.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_iq_quants.py",
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
