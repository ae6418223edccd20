#!/usr/bin/env python3
"""Writes the small seed inputs of the fuzz targets (tests/fuzz/corpus/<target>/seed-*).

Seeds are cut down from the repository's own fixtures (tests/data, resources/models) so that each
stays a few kB: tokenizer.json vocabularies trimmed to their first ids, the fixture models'
config.json and model cards, a tiny safetensors file, short text sets and CSVs. Inputs that once
made a target fail are added by hand as crash-* files and are never rewritten here.
The HDF5 seeds of fuzz_project are written by make_project_seeds.sh (it needs llmap-cli).
"""
import gzip
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
DATA = ROOT / "tests" / "data"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (d / f"seed-{name}").write_bytes(data)


def trimmed_tokenizer(doc, keep):
    model = doc["model"]
    if isinstance(model.get("vocab"), dict):
        vocab = {t: i for t, i in model["vocab"].items() if i < keep}
        model["vocab"] = vocab
        if "merges" in model:
            kept = []
            for m in model["merges"]:
                a, b = m.split(" ", 1) if isinstance(m, str) else m
                if a in vocab and b in vocab and a + b in vocab:
                    kept.append(m)
            model["merges"] = kept
    elif isinstance(model.get("vocab"), list):
        model["vocab"] = model["vocab"][:keep]
        if model.get("unk_id") is not None and model["unk_id"] >= keep:
            model["unk_id"] = 0
    for t in doc.get("added_tokens", []):
        if t["id"] >= keep:
            t["id"] = keep + doc["added_tokens"].index(t)
    return doc


def tokenizer_seeds():
    sources = sorted((DATA / "tokenize" / "oracle").glob("*/tokenizer.json.gz"))
    sources += sorted((ROOT / "resources" / "models").glob("*/tokenizer.json"))
    for path in sources:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
        doc = trimmed_tokenizer(json.loads(raw), 160)
        put("fuzz_tokenizer_json", path.parent.name + ".json",
            json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


def sentencepiece_seeds():
    for path in [DATA / "tokenize" / "spm-unigram" / "tokenizer.model"]:
        put("fuzz_sentencepiece", "spm-unigram.model", path.read_bytes())
    for path in sorted((DATA / "tokenize" / "oracle").glob("*/tokenizer.model*")):
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
        if len(raw) < 64 * 1024:
            put("fuzz_sentencepiece", path.parent.name + ".model", raw)


def model_seeds():
    for folder in sorted((DATA / "model").iterdir()):
        if (folder / "config.json").exists():
            put("fuzz_config_json", folder.name + ".json", (folder / "config.json").read_bytes())
        if (folder / "README.md").exists():
            put("fuzz_model_card", folder.name + ".md", (folder / "README.md").read_bytes())
    put("fuzz_model_card", "lists.md",
        "---\nbase_model:\n  - a/b\n  - 'c/d'\nlicense: \"mit\"\nlanguage: [en, \"fr\"]\n"
        "tags:\n- x # note\npipeline_tag: text-generation\n---\n# Title\n")
    # A two-tensor safetensors file with metadata, and one whose header is padded with spaces.
    header = {"__metadata__": {"format": "pt"},
              "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
              "b": {"dtype": "BF16", "shape": [3], "data_offsets": [16, 22]}}
    h = json.dumps(header).encode()
    put("fuzz_safetensors", "two.safetensors", struct.pack("<Q", len(h)) + h + bytes(range(22)))
    h = (json.dumps({"e": {"dtype": "I64", "shape": [0], "data_offsets": [0, 0]}}) + "   ").encode()
    put("fuzz_safetensors", "empty-tensor.safetensors", struct.pack("<Q", len(h)) + h)


def text_seeds():
    # First byte: 0 JSONL, 1 lines, 2 documents, 3 CSV (see fuzz_text_sets.cpp).
    put("fuzz_text_sets", "jsonl", b"\x00" + '{"id":"a","source":"s","text":"caf\u00e9 one"}\n\n'
        '{"text":"two\\nlines \\u00e9"}\n'.encode())
    put("fuzz_text_sets", "lines", b"\x01first line\r\nsecond\n\n  third\n")
    put("fuzz_text_sets", "documents", b"\x02para one\nstill one\n\n\npara two\n")
    put("fuzz_text_sets", "csv", b'\x03id,source,text\n1,web,"quoted, with ""quotes""\nand newline"\n2,,plain\n')
    # First byte: 0 score matrix, 1 metadata, 2 benchmarks, 3 plain CSV (see fuzz_csv_imports.cpp).
    put("fuzz_csv_imports", "matrix", b"\x00model,t1,t2,t3\nm1,-1.5,-2,-3e2\nm2,-0.25,-7,-1\n")
    put("fuzz_csv_imports", "metadata", b"\x01model,family,params,note\nm1,llama,1.2e9,\"a, b\"\nm2,gpt2,,x\n")
    put("fuzz_csv_imports", "benchmarks", b"\x02model,mmlu,arc\nm1,0.5,nan\nm3,,0.25\n")
    put("fuzz_csv_imports", "plain", b'\x03a,"b\r\nc",""\n\n1,2\n')


def manifest_seeds():
    # As score/manifest.cpp writes it (llmap-cli plan), and with Windows line ends.
    header = ("# llmap-manifest\t1\n# project\t/data/p.h5\n# shard_out\t/data/p.shards\n"
              "# tasks\t2\n# tokens\t1234.5\n# flops\t20000000000000\n# overhead_seconds\t10\n"
              "# pack_seconds\t3600\ntask\tmodel\tparameters\test_seconds\tfolder\n")
    lines = "0\torg/a\t1000000\t12.25\t/m/a\n0\tb\t0\t1\t/m/b\n1\tc\t0\t2\t/m/c\n"
    put("fuzz_manifest", "two-tasks.tsv", header + lines)
    put("fuzz_manifest", "crlf.tsv", (header + lines).replace("\n", "\r\n"))


if __name__ == "__main__":
    tokenizer_seeds()
    sentencepiece_seeds()
    model_seeds()
    text_seeds()
    manifest_seeds()
