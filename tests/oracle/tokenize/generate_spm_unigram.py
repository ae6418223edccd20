#!/usr/bin/env python3
"""A SentencePiece Unigram tokenizer.model (byte fallback, default whitespace handling) trained on
the committed Moby-Dick excerpt, and the SentencePiece library's own encodings of test strings.
Writes tests/data/tokenize/spm-unigram/{tokenizer.model, expected.json}. Seeded by the data alone."""
import io
import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "tokenize")
OUT = os.path.join(DATA, "spm-unigram")

lines = [l.strip() for l in open(os.path.join(DATA, "corpora", "moby-dick.txt"), encoding="utf-8") if l.strip()]
model = io.BytesIO()
spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, vocab_size=600,
                               model_type="unigram", byte_fallback=True,
                               normalization_rule_name="identity", num_threads=1, minloglevel=2)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "tokenizer.model"), "wb") as f:
    f.write(model.getvalue())
sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
sentences = [x.strip() + "." for l in lines for x in l.split(". ") if x.strip()]
strings = lines + sentences[:150] + [
    "  leading and trailing  ", "a  b   c", "x\ty\n\nz", "    indented\n    twice",
    "naïve café 日本語 🌍", "", " ", "UPPER lower 12345 3.14159", "Ishmael—Queequeg’s “harpoon”",
]
with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
    json.dump([{"text": s, "ids": sp.encode(s)} for s in strings], f, ensure_ascii=False, indent=0)
