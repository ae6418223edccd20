#!/usr/bin/env python3
"""Reference log-likelihoods for YaRN rotary scaling in the Llama-style families.

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random Llama and Qwen2 models (fixed seeds) whose rope_parameters ask for YaRN, saved with
save_pretrained under tests/data/model/families_yarn/, and tests/data/model/oracle_families_yarn.json
with the fields of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two
texts). The texts run past original_max_position_embeddings, where YaRN's divisors matter.

Run from the repository root:  python3 tests/oracle/model/generate_families_yarn.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_families_b import SMALL, generate  # noqa: E402

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "llama_yarn_factor4": ("llama", "llama", dict(
        SMALL, num_key_value_heads=2, max_position_embeddings=64,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16})),
    "qwen2_yarn_betas_attention_factor": ("qwen2", "gpt", dict(
        SMALL, num_key_value_heads=4, max_position_embeddings=128, tie_word_embeddings=False,
        rope_parameters={"rope_type": "yarn", "rope_theta": 1000.0, "factor": 8.0,
                         "original_max_position_embeddings": 16, "beta_fast": 16.0,
                         "beta_slow": 2.0, "attention_factor": 1.2})),
}


def main():
    generate(CONFIGS, "families_yarn", "oracle_families_yarn.json",
             "tests/oracle/model/generate_families_yarn.py", seeds=(7000, 8000))


if __name__ == "__main__":
    main()
