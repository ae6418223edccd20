#!/usr/bin/env python3
"""Test vectors for the GGUF vocabularies llama.cpp reads as BPE on raw UTF-8 rather than on
GPT-2's byte characters (src/llama-vocab.cpp: tokenizer.ggml.model "gemma4", tokenizer.ggml.pre
"gemma4", "granite-embed-multi-311m", "sarvam-moe", "whitespace").

What llama.cpp does for them: spaces become U+2581 (escape_whitespaces; not for "whitespace"), the
text is split by the regex ([^\\n]+|[\\n]+ or \\S+, unmatched text kept as pieces), each piece is
merged by BPE over its UTF-8 characters, and what the merges leave outside the vocabulary is
spelled with <0xXX> byte tokens. For Gemma-4 a piece of newlines only that is itself a token is
that token without merges, and a BOS is always added.

The reference is Hugging Face tokenizers with the same pipeline (Replace normaliser, Split
"isolated" pre-tokenizer, BPE with byte_fallback), on a small vocabulary trained here from the
texts below; Gemma-4's newline rule, which tokenizers has no switch for,
is applied on top of it for pieces of newlines. The vocabulary has a "\\n\\n\\n" token that no
merge builds, so the rule shows.

Writes tests/data/tokenize/gguf/gguf2-*.gguf (vocabulary only) and gguf2-vocab.json.
Run from the repository root:  python3 tests/oracle/tokenize/generate_gguf2_vocab.py
Needs tokenizers, gguf.
"""
import json
import os
import re

import gguf
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "tokenize", "gguf")
SPACE = "\u2581"

TRAIN = [
    "The quick brown fox jumps over the lazy dog.",
    "In 1905, Albert Einstein published four papers that changed physics.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Les élèves étudient la théorie des nombres à l'école.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "the the the and and of of to to in in is is that that",
    "Paragraph one.\n\nParagraph two.\n\n\nParagraph three.",
]
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "  leading spaces and trailing   ",
    "line one\nline two\n\nline four\n\n\nline seven\n\n\n\nend",
    "\n\n\n",
    "Unseen characters: ß, ø, 日本語, emoji 🦊, tab\tthere.",
    "fib(n - 1) + fib(n - 2)",
    "Ünïcödé wörds and CAPITALS, numbers 1234567.",
    "",
]
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>"]
BYTES = [f"<0x{b:02X}>" for b in range(256)]

# name -> (tokenizer.ggml.model, tokenizer.ggml.pre or None, escape spaces, split regex,
#          Gemma-4's newline rule, BOS always added)
VOCABS = {
    "gguf2-gemma4": ("gemma4", None, True, r"[^\n]+|[\n]+", True, True),
    "gguf2-granite-embed-multi-311m": ("gpt2", "granite-embed-multi-311m", True, r"[^\n]+|[\n]+",
                                       True, True),
    "gguf2-sarvam-moe": ("gpt2", "sarvam-moe", True, r"[^\n]+|[\n]+", False, False),
    "gguf2-whitespace": ("gpt2", "whitespace", False, r"\S+", False, False),
}


def pipeline(escape, split):
    t = Tokenizer(models.BPE())
    if escape:
        t.normalizer = normalizers.Replace(" ", SPACE)
    t.pre_tokenizer = pre_tokenizers.Split(Regex(split), behavior="isolated")
    return t


def trained(escape, split):
    """(tokens, merges): specials, the 256 byte tokens, "\\n\\n\\n", then the trained BPE."""
    t = pipeline(escape, split)
    t.model = models.BPE()
    if not escape:  # no merges over spaces: they stay byte tokens
        t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    t.train_from_iterator(TRAIN, trainers.BpeTrainer(vocab_size=160, limit_alphabet=40,
                                                     show_progress=False))
    model = json.loads(t.to_str())["model"]
    learned = sorted(model["vocab"], key=model["vocab"].get)
    tokens = SPECIALS + BYTES + ["\n\n\n"] + [x for x in learned if x != "\n\n\n"]
    merges = [tuple(m) if not isinstance(m, str) else tuple(m.split(" ", 1))
              for m in model["merges"]]
    # GGUF stores "left right", split at the first space after the first character.
    assert all(" " not in a[1:] for a, _ in merges)
    return tokens, merges


def reference(tokens, merges, escape, split):
    t = pipeline(escape, split)
    t.model = models.BPE({x: i for i, x in enumerate(tokens)},
                         merges, byte_fallback=True)
    return t


def encode(t, tokens, text, newline_rule, bos):
    ids = [SPECIALS.index("<bos>")] if bos else []
    index = {x: i for i, x in enumerate(tokens)}
    normalized = t.normalizer.normalize_str(text) if t.normalizer else text
    for piece, _ in t.pre_tokenizer.pre_tokenize_str(normalized):
        if newline_rule and re.fullmatch(r"\n+", piece) and piece in index:
            ids.append(index[piece])
        else:
            ids.extend(tok.id for tok in t.model.tokenize(piece))
    return ids


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, (model, pre, escape, split, newline_rule, bos) in VOCABS.items():
        tokens, merges = trained(escape, split)
        t = reference(tokens, merges, escape, split)
        w = gguf.GGUFWriter(os.path.join(OUT, name + ".gguf"), arch="llama")
        w.add_tokenizer_model(model)
        if pre:
            w.add_tokenizer_pre(pre)
        w.add_token_list(tokens)
        w.add_token_types([3 if x in SPECIALS else 6 if x in BYTES else 1 for x in tokens])
        w.add_token_merges([a + " " + b for a, b in merges])
        w.add_bos_token_id(SPECIALS.index("<bos>"))
        w.add_eos_token_id(SPECIALS.index("<eos>"))
        w.add_add_bos_token(False)  # Gemma-4 adds one all the same
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.close()
        texts = []
        for text in TEXTS:
            ids = encode(t, tokens, text, newline_rule, bos)
            if not newline_rule:  # the plain pipeline: tokenizers' own encode
                plain = t.encode(text, add_special_tokens=False).ids
                assert ids == ([SPECIALS.index("<bos>")] if bos else []) + plain, (name, text)
            texts.append(dict(text=text, ids=ids))
        cases.append(dict(file=name + ".gguf", model=model, pre=pre, texts=texts))
        print(name, len(tokens), "tokens", len(merges), "merges")
    with open(os.path.join(OUT, "gguf2-vocab.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/tokenize/generate_gguf2_vocab.py", cases=cases), f,
                  indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
