#!/usr/bin/env python3
"""LLMap's default text set: about 10,000 texts from free sources, cut the way the paper cuts.

Two steps, both deterministic:

  collect  Extracts documents from the original sources into corpora/<source>.jsonl.gz (one JSON
           object per document: "id", "text") and records what was read in corpora/MANIFEST.json.
           Needs the three corpora of the shared data folder (--shared: sotu, moby-dick, udhr) and
           Debian 12's packages libpython3.11-stdlib, python3.11-doc, dict-foldoc, dict-jargon.
           Run it only to refresh the corpora; they are committed.

  build    Cuts the committed corpora into default.jsonl.gz with `llmap-cli texts build` (chunks of
           at most 1,024 UTF-8 bytes, never inside a character, longer than 256 bytes, a seeded
           sample with a fixed count per source, all from default_recipe.json), then draws the
           stratified quick subset quick.jsonl.gz with `llmap-cli texts subset`.

  check    Builds into a temporary folder and compares with the committed files byte for byte.

Usage:
  python3 resources/texts/build_default_texts.py collect --shared ../shared/data/corpora
  python3 resources/texts/build_default_texts.py build --cli build/release/app/llmap-cli
  python3 resources/texts/build_default_texts.py check --cli build/release/app/llmap-cli
"""
import argparse
import base64
import csv
import filecmp
import gzip
import hashlib
import html.parser
import io
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CORPORA = HERE / "corpora"
RECIPE = HERE / "default_recipe.json"

PYTHON_STDLIB = pathlib.Path("/usr/lib/python3.11")
PYTHON_DOCS = pathlib.Path("/usr/share/doc/python3.11/html/_sources")
DICTD = pathlib.Path("/usr/share/dictd")
PACKAGES = ["libpython3.11-stdlib", "python3.11-doc", "dict-foldoc", "dict-jargon"]

# Raw bytes kept per corpus (documents chosen by a hash of their id until the budget is reached):
# about three times what the recipe samples, so the repository stays small.
BUDGET = {
    "speeches": 4_500_000,
    "code": 5_000_000,
    "docs": 5_000_000,
    "foldoc": 5_000_000,
}


def write_jsonl_gz(path, records):
    """gzip with mtime 0 and no file name: the same records give the same bytes."""
    raw = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as f:
        f.write(raw.encode("utf-8"))
    path.write_bytes(buffer.getvalue())
    return len(raw.encode("utf-8"))


def read_utf8(path):
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


def within_budget(documents, label):
    """Documents chosen by the SHA-256 of their id until the byte budget is reached, in id order."""
    budget = BUDGET.get(label)
    if budget is None:
        return documents
    ranked = sorted(documents, key=lambda d: hashlib.sha256((label + d["id"]).encode()).hexdigest())
    chosen, total = [], 0
    for d in ranked:
        if total >= budget:
            break
        chosen.append(d)
        total += len(d["text"].encode("utf-8"))
    return sorted(chosen, key=lambda d: d["id"])


def speeches(shared):
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8")}
            for p in sorted((shared / "sotu").glob("*.txt"))]


def fiction(shared):
    def order(p):
        stem = p.stem
        return (0, int(stem.split("_")[1])) if stem.startswith("chapter_") else (1, stem)
    names = ["etymology", "extracts"]
    files = [shared / "moby-dick" / f"{n}.txt" for n in names]
    files += sorted((shared / "moby-dick").glob("chapter_*.txt"), key=order)
    files.append(shared / "moby-dick" / "epilogue.txt")
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in files]


class _HtmlText(html.parser.HTMLParser):
    """Text of an HTML page: block elements become lines, whitespace inside a line is collapsed."""
    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "header", "section", "article",
              "ol", "ul", "title", "br", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.skip = [], [], 0

    def flush(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip -= 1
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)


def udhr(shared):
    docs = []
    with open(shared / "udhr" / "languages.csv", encoding="utf-8") as f:
        languages = list(csv.DictReader(f))
    for row in sorted(languages, key=lambda r: r["code"]):
        page = shared / "udhr" / f"{row['code']}.html"
        if not page.exists():
            continue
        parser = _HtmlText()
        parser.feed(page.read_text(encoding="utf-8"))
        parser.close()
        parser.flush()
        text = "\n".join(parser.lines) + "\n"
        docs.append({"id": f"{row['code']} {row['bcp47']} {row['name']}", "text": text})
    return docs


def code():
    docs = []
    for p in sorted(PYTHON_STDLIB.rglob("*.py")):
        rel = p.relative_to(PYTHON_STDLIB)
        if rel.parts[0] in ("site-packages", "dist-packages") or "test" in rel.parts \
                or "tests" in rel.parts or "idle_test" in rel.parts:
            continue
        text = read_utf8(p)
        if text:
            docs.append({"id": rel.as_posix(), "text": text})
    return within_budget(docs, "code")


def docs():
    out = []
    for p in sorted(PYTHON_DOCS.rglob("*.rst.txt")):
        text = read_utf8(p)
        if text:
            out.append({"id": p.relative_to(PYTHON_DOCS).as_posix(), "text": text})
    return within_budget(out, "docs")


def _dictd_number(code_):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    value = 0
    for ch in code_:
        value = value * 64 + alphabet.index(ch)
    return value


def dictionary(name, page_bytes=8000):
    """The dictionary's entries in file order, grouped into pages of at least page_bytes."""
    data = gzip.open(DICTD / f"{name}.dict.dz").read()
    entries = {}
    with open(DICTD / f"{name}.index", encoding="utf-8") as f:
        for line in f:
            headword, offset, length = line.rstrip("\n").split("\t")[:3]
            if headword.startswith("00-database") or headword.startswith("00database"):
                continue
            start = _dictd_number(offset)
            entries.setdefault(start, (headword, _dictd_number(length)))
    pages, current, first = [], [], None
    size = 0
    for start in sorted(entries):
        headword, length = entries[start]
        text = data[start:start + length].decode("utf-8").strip("\n")
        if first is None:
            first = headword
        current.append(text)
        size += len(text.encode("utf-8"))
        if size >= page_bytes:
            pages.append({"id": first, "text": "\n\n".join(current) + "\n"})
            current, first, size = [], None, 0
    if current:
        pages.append({"id": first, "text": "\n\n".join(current) + "\n"})
    seen = {}
    for p in pages:  # headwords can repeat: keep ids unique
        n = seen.get(p["id"], 0)
        seen[p["id"]] = n + 1
        if n:
            p["id"] = f"{p['id']} ({n + 1})"
    return pages


def package_versions():
    versions = {}
    for package in PACKAGES:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True)
        versions[package] = out.stdout.strip() if out.returncode == 0 else "not installed"
    return versions


def collect(args):
    shared = pathlib.Path(args.shared).resolve()
    for folder in ("sotu", "moby-dick", "udhr"):
        if not (shared / folder).is_dir():
            sys.exit(f"{shared / folder}: missing (give --shared the folder holding sotu, "
                     "moby-dick and udhr)")
    for path in (PYTHON_STDLIB, PYTHON_DOCS, DICTD / "foldoc.index", DICTD / "jargon.index"):
        if not path.exists():
            sys.exit(f"{path}: missing (apt-get install {' '.join(PACKAGES)})")
    corpora = {
        "speeches": within_budget(speeches(shared), "speeches"),
        "fiction": fiction(shared),
        "udhr": udhr(shared),
        "code": code(),
        "docs": docs(),
        "foldoc": within_budget(dictionary("foldoc"), "foldoc"),
        "jargon": dictionary("jargon"),
    }
    CORPORA.mkdir(exist_ok=True)
    manifest = {"packages": package_versions(), "corpora": {}}
    for label, documents in corpora.items():
        path = CORPORA / f"{label}.jsonl.gz"
        raw = write_jsonl_gz(path, documents)
        manifest["corpora"][label] = {
            "file": path.name, "documents": len(documents), "bytes": raw,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        print(f"{label:10} {len(documents):6} documents {raw:10} bytes -> {path.stat().st_size} gz")
    (CORPORA / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")


def build_into(cli, out_dir):
    recipe = json.loads(RECIPE.read_text())
    default = out_dir / recipe["output"]
    command = [cli, "texts", "build", "--out", str(default), "--seed", str(recipe["seed"]),
               "--count", str(recipe["count"])]
    for source in recipe["sources"]:
        command.append(f"{source['label']}:{source['count']}={HERE / source['corpus']}")
    subprocess.run(command, check=True)
    quick = recipe["quick"]
    subprocess.run([cli, "texts", "subset", "--texts", str(default), "--out",
                    str(out_dir / quick["output"]), "--count", str(quick["count"]),
                    "--seed", str(quick["seed"])], check=True)
    return [recipe["output"], quick["output"]]


def build(args):
    build_into(args.cli, HERE)


def check(args):
    with tempfile.TemporaryDirectory() as tmp:
        names = build_into(args.cli, pathlib.Path(tmp))
        bad = [n for n in names if not filecmp.cmp(HERE / n, pathlib.Path(tmp) / n, shallow=False)]
    if bad:
        sys.exit("differs from the committed file: " + ", ".join(bad))
    print("identical:", ", ".join(names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    c = sub.add_parser("collect", help="refresh corpora/ from the original sources")
    c.add_argument("--shared", required=True, help="folder holding sotu/, moby-dick/, udhr/")
    for name in ("build", "check"):
        b = sub.add_parser(name)
        b.add_argument("--cli", default="llmap-cli", help="path of llmap-cli")
    args = parser.parse_args()
    {"collect": collect, "build": build, "check": check}[args.step](args)


if __name__ == "__main__":
    main()
