#!/usr/bin/env python3
"""Reference log-likelihoods for multimodal checkpoints scored on text: Mistral-3, LLaVA, LLaVA-NeXT,
InternVL, SmolVLM and Idefics3, each a vision tower and projector around a language model that LLMap
reads by itself (text_config; the weights under "model.language_model." or "model.text_model.").

The companion of generate.py (whose tokenizer, texts, randomisation and scoring it imports): builds
each wrapper with a tiny random language model and a tiny vision tower (fixed seeds), saves it with
save_pretrained under tests/data/model/families_wrappers/, and writes
tests/data/model/oracle_families_wrappers.json with the fields of oracle.json. The scores are the
whole wrapper's, run by transformers on token ids alone (no image), reloaded from the saved folder.

Run from the repository root:  python3 tests/oracle/model/generate_families_wrappers.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score_texts, train_tokenizer  # noqa: E402

TEXT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48)
VISION = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
              image_size=28, patch_size=14)

# name -> (wrapper model_type, its class, text model_type or None for the wrapper's default,
#          text config kwargs, tie_word_embeddings)
CONFIGS = {
    "mistral3_window_gqa_untied": ("mistral3", "Mistral3ForConditionalGeneration", "mistral",
                                   dict(TEXT, num_key_value_heads=2, sliding_window=7), False),
    "llava_llama_tied": ("llava", "LlavaForConditionalGeneration", "llama", dict(TEXT), True),
    "llava_next_mistral_untied": ("llava_next", "LlavaNextForConditionalGeneration", "mistral",
                                  dict(TEXT, num_key_value_heads=1), False),
    "internvl_qwen2_untied": ("internvl", "InternVLForConditionalGeneration", None,
                              dict(TEXT, num_key_value_heads=2), False),
    "smolvlm_llama_untied": ("smolvlm", "SmolVLMForConditionalGeneration", None, dict(TEXT), False),
    "idefics3_llama_tied": ("idefics3", "Idefics3ForConditionalGeneration", None,
                            dict(TEXT, num_key_value_heads=2), True),
}


def build_config(wrapper_type, text_type, text_kwargs, tie, tok):
    base = transformers.AutoConfig.for_model(wrapper_type)
    text_class = (transformers.AutoConfig.for_model(text_type).__class__ if text_type
                  else type(base.text_config))
    special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
    text = text_class(vocab_size=len(tok), tie_word_embeddings=tie, **special, **text_kwargs)
    vision = type(base.vision_config)(**VISION)
    return type(base)(text_config=text.to_dict(), vision_config=vision.to_dict(),
                      tie_word_embeddings=tie)


def main():
    folder = os.path.join(OUT, "families_wrappers")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    torch.manual_seed(0)
    tok = train_tokenizer("llama")
    records = []
    for index, (name, (wrapper_type, class_name, text_type, kwargs, tie)) in enumerate(CONFIGS.items()):
        model_class = getattr(transformers, class_name)
        config = build_config(wrapper_type, text_type, kwargs, tie, tok)
        torch.manual_seed(15000 + index)
        model = model_class(config).to(torch.float32)
        randomise(model, 16000 + index)
        model.tie_weights()
        target = os.path.join(folder, name)
        model.save_pretrained(target)
        tok.save_pretrained(target)
        generation = os.path.join(target, "generation_config.json")
        if os.path.exists(generation):
            os.remove(generation)
        # Scored as reloaded, so that the folder (not the object in memory) is what is checked.
        model = model_class.from_pretrained(target, dtype=torch.float32).eval()
        model_bf16 = model_class.from_pretrained(target, dtype=torch.bfloat16).eval()
        texts = score_texts(tok, model, model_bf16, tok.bos_token_id)
        language = model.get_decoder() if hasattr(model, "get_decoder") else model.model.language_model
        records.append(dict(name="families_wrappers/" + name, model_type=wrapper_type, adds_bos=True,
                            parameters=sum(p.numel() for p in language.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: ll_full[0] = {texts[0]['ll_full']:.4f}", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_wrappers.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_wrappers.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
