#!/usr/bin/env python3
"""Reference data for tests/gguf: GGUF files of the olmo2 architecture written from the OLMo-2
fixture tests/data/model/families_b/olmo2_gqa with the gguf package, as llama.cpp's
convert_hf_to_gguf.py writes them (its tensor names, q and k rows not permuted: llama.cpp rotates
OLMo-2 in the NeoX layout), and what transformers computes for the model they hold.

transformers has no GGUF loader for olmo2: the token ids are those of the fixture's tokenizer (whose
vocabulary the files carry) and the reference is the fixture's Hugging Face model run by
transformers with the weights as stored (quantised matrices dequantised by the gguf package and
written back into the model before scoring). For the F32 file that is the fixture itself: the
script checks that its scores equal those of tests/data/model/oracle_families_b.json.

- olmo2_f32.gguf: every tensor F32.
- olmo2_f16.gguf: the matrices F16 (the fixture's 48-wide rows fit no 32-block quantisation), the
  norms F32.

Appends nothing to oracle.json: writes oracle_olmo2.json with the same fields, and
bad/olmo2_sliding_window.gguf (an olmo2 file with attention.sliding_window, as llama.cpp converts
OLMo-3, which the engine refuses).
Run from the repository root:  python3 tests/oracle/gguf/generate_olmo2.py
Needs numpy, torch, transformers (5.x), gguf.
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
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_spec = importlib.util.spec_from_file_location(
    "gguf_oracle", os.path.join(ROOT, "tests", "oracle", "gguf", "generate.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)
OUT, TEXTS = base.OUT, base.TEXTS
FIXTURE = "families_b/olmo2_gqa"
FIXTURE_DIR = os.path.join(ROOT, "tests", "data", "model", FIXTURE)

# name -> matrix type
FILES = {"olmo2_f32": Q.F32, "olmo2_f16": Q.F16}


def write_file(name, qtype, rng):
    """Writes OUT/name.gguf from the fixture; returns the model as stored in the file."""
    model = AutoModelForCausalLM.from_pretrained(FIXTURE_DIR, dtype=torch.float32).eval()
    config = model.config
    with open(os.path.join(FIXTURE_DIR, "tokenizer.json")) as f:
        vocab_json = json.load(f)
    w = gguf.GGUFWriter(os.path.join(OUT, name + ".gguf"), arch="olmo2")
    w.add_name(name)
    w.add_block_count(config.num_hidden_layers)
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(config.hidden_size)
    w.add_feed_forward_length(config.intermediate_size)
    w.add_head_count(config.num_attention_heads)
    w.add_head_count_kv(config.num_key_value_heads)
    w.add_layer_norm_rms_eps(config.rms_norm_eps)
    w.add_rope_freq_base(config.rope_parameters["rope_theta"])
    base.add_vocabulary(w, vocab_json)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.OLMO2, config.num_hidden_layers)
    for hf, tensor in model.state_dict().items():
        if hf == "lm_head.weight" and config.tie_word_embeddings:
            continue
        stem, suffix = hf.rsplit(".", 1)
        values = tensor.float().numpy()
        part_type = qtype if values.ndim == 2 else Q.F32
        data, raw = base.quantised(values, part_type, rng)
        w.add_tensor(f"{names.get_name(stem)}.{suffix}", data, raw_dtype=raw)
        if raw is not None and raw != Q.F32:
            stored = gguf.dequantize(data, raw).astype(np.float32).reshape(values.shape)
            with torch.no_grad():
                tensor.copy_(torch.from_numpy(stored))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return model, config


def main():
    rng = np.random.default_rng(31)
    with open(os.path.join(ROOT, "tests", "data", "model", "oracle_families_b.json")) as f:
        fixture = next(m for m in json.load(f)["models"] if m["name"] == FIXTURE)
    fixture_ll = {tuple(t["ids_full"]): t["ll_full"] for t in fixture["texts"]}
    records = []
    for name, qtype in FILES.items():
        model, config = write_file(name, qtype, rng)
        file = name + ".gguf"
        tok = AutoTokenizer.from_pretrained(FIXTURE_DIR)  # the vocabulary written into the file
        texts = []
        for text in TEXTS:
            ids = tok(text, add_special_tokens=False)["input_ids"]
            ids_full = [config.bos_token_id] + ids
            ll = base.score(model, ids_full)
            if qtype == Q.F32 and tuple(ids_full) in fixture_ll:
                gap = abs(ll - fixture_ll[tuple(ids_full)])
                assert gap < 1e-3, f"{name}: the file's model differs from the fixture by {gap}"
            texts.append(dict(text=text, ids=ids, ids_full=ids_full, ll_full=ll))
        reader = gguf.GGUFReader(os.path.join(OUT, file))
        elements = {}
        for t in reader.tensors:
            if len(t.shape) >= 2:
                elements[t.tensor_type.name] = elements.get(t.tensor_type.name, 0) + int(t.n_elements)
        records.append(dict(name=name, file=file, model_type="olmo2",
                            parameters=int(sum(int(t.n_elements) for t in reader.tensors)),
                            bits_per_weight=8 * sum(int(t.n_bytes) for t in reader.tensors) /
                            sum(int(t.n_elements) for t in reader.tensors),
                            quantisation=max(elements, key=elements.get),
                            vocab_size=config.vocab_size, layers=config.num_hidden_layers,
                            hidden_size=config.hidden_size, texts=texts))
        print(f"{name}: {os.path.getsize(os.path.join(OUT, file))} bytes, "
              f"ll of text 0 = {texts[0]['ll_full']:.4f}")
    with open(os.path.join(FIXTURE_DIR, "tokenizer.json")) as f:
        vocab_json = json.load(f)
    base.tiny_model(os.path.join(OUT, "bad", "olmo2_sliding_window.gguf"), vocab_json,
                    np.random.default_rng(32), arch="olmo2", extra=lambda w: w.add_sliding_window(4))
    with open(os.path.join(OUT, "oracle_olmo2.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_olmo2.py", fixture=FIXTURE,
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
