#!/usr/bin/env python3
"""llama.cpp as a scoring peer for tests/bench/bench_score.py: builds llama-bench and
llama-perplexity from the llama.cpp source inside llama-cpp-python's sdist (downloaded with pip
into a cache folder, never kept in this repository), converts Hugging Face folders to GGUF with
the sdist's convert_hf_to_gguf.py, and measures prompt processing and perplexity throughput.

  python3 tests/bench/llama_cpp.py build [--cache DIR] [--jobs 2] [--lock FILE]

prints the folder holding bin/llama-bench and bin/llama-perplexity (about ten minutes on two
cores the first time, reused after). Give that folder to bench_score.py --llama-cpp DIR.
"""
import argparse
import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
import tarfile

VERSION = "0.3.36"
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "llmap", "bench")
TOOLS = ("llama-bench", "llama-perplexity")


def source_dir(cache):
    """llama.cpp's source (vendor/llama.cpp of the sdist), downloaded and unpacked when absent."""
    root = os.path.join(cache, f"llama_cpp_python-{VERSION}")
    src = os.path.join(root, "vendor", "llama.cpp")
    if os.path.isfile(os.path.join(src, "CMakeLists.txt")):
        return src
    os.makedirs(cache, exist_ok=True)
    sdist = os.path.join(cache, f"llama_cpp_python-{VERSION}.tar.gz")
    if not os.path.exists(sdist):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", f"llama-cpp-python=={VERSION}", "-d", cache], check=True)
    with tarfile.open(sdist) as tar:
        tar.extractall(cache, filter="data")
    return src


def tool(build, name):
    return os.path.join(build, "bin", name)


def is_built(build):
    return all(os.access(tool(build, t), os.X_OK) for t in TOOLS)


@contextlib.contextmanager
def locked(path):
    """Holds an exclusive flock on `path` (nothing when None): one build at a time on a shared
    machine."""
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            line = next((line for line in f if line.startswith("flags")), "")
        return set(line.split(":", 1)[-1].split())
    except OSError:
        return set()


def instruction_options(flags):
    """-march=native, except on a CPU with AMX: there this llama.cpp's AMX kernels crash on Q4_1
    files (llama-bench: segmentation fault, before any output), so it is built without them and
    with every other x86 extension it uses that the CPU has."""
    if "amx_int8" not in flags:
        return ["-DGGML_NATIVE=ON"]
    wanted = {"GGML_AVX": "avx", "GGML_AVX2": "avx2", "GGML_BMI2": "bmi2", "GGML_FMA": "fma",
              "GGML_F16C": "f16c", "GGML_AVX_VNNI": "avx_vnni", "GGML_AVX512": "avx512f",
              "GGML_AVX512_VBMI": "avx512vbmi", "GGML_AVX512_VNNI": "avx512_vnni",
              "GGML_AVX512_BF16": "avx512_bf16"}
    return ["-DGGML_NATIVE=OFF", "-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF",
            "-DGGML_AMX_BF16=OFF"] + [f"-D{o}={'ON' if f in flags else 'OFF'}"
                                      for o, f in wanted.items()]


def build(cache=DEFAULT_CACHE, jobs=2, lock=None, cuda=False):
    """The build folder with llama-bench and llama-perplexity, built (niced) when missing."""
    instructions = instruction_options(cpu_flags())
    name = "llama.cpp-build-cuda" if cuda else "llama.cpp-build"
    if "-DGGML_NATIVE=OFF" in instructions:
        name += "-without-amx"
    out = os.path.join(cache, name)
    if is_built(out):
        return out
    src = source_dir(cache)
    configure = ["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF",
                 "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
                 "-DLLAMA_BUILD_SERVER=OFF"] + instructions
    if cuda:
        configure.append("-DGGML_CUDA=ON")
    os.makedirs(cache, exist_ok=True)
    log_path = os.path.join(cache, name + ".log")
    with locked(lock), open(log_path, "w") as log:
        for cmd in (configure, ["cmake", "--build", out, "--target", *TOOLS, "-j", str(jobs)]):
            if subprocess.run(["nice", "-n", "19"] + cmd, stdout=log, stderr=log).returncode:
                raise SystemExit(f"llama.cpp's build failed: {' '.join(cmd)} (see {log_path})")
    return out


def convert(cache, model_dir, out_path, outtype):
    """`model_dir` as a GGUF file of `outtype` (f32, bf16) at out_path, written once. A byte-level
    BPE tokenizer whose pre-tokenizer convert_hf_to_gguf.py does not list by hash is written as
    GPT-2's (the same regex)."""
    if os.path.exists(out_path):
        return out_path
    src = source_dir(cache)
    wrapper = (
        "import sys\n"
        f"sys.path.insert(0, {src!r})\n"
        "import conversion.base as base\n"
        "original = base.TextModel.get_vocab_base_pre\n"
        "def pre(self, tokenizer):\n"
        "    try:\n"
        "        return original(self, tokenizer)\n"
        "    except NotImplementedError:\n"
        "        return 'gpt-2'\n"
        "base.TextModel.get_vocab_base_pre = pre\n"
        "import convert_hf_to_gguf\n"
        f"sys.argv = ['convert_hf_to_gguf.py', {model_dir!r}, '--outfile', {out_path + '.part'!r},"
        f" '--outtype', {outtype!r}]\n"
        "convert_hf_to_gguf.main()\n")
    subprocess.run([sys.executable, "-c", wrapper], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    os.replace(out_path + ".part", out_path)
    return out_path


def bench_command(build_dir, gguf, threads, prompt=256, gpu_layers=0):
    """llama-bench's prompt processing of `prompt` tokens (a single sequence; the output layer runs
    on the last position only), JSON on stdout."""
    return [tool(build_dir, "llama-bench"), "-m", gguf, "-p", str(prompt), "-n", "0", "-t",
            str(threads), "-r", "3", "-ngl", str(gpu_layers), "-o", "json"]


def bench_rate(stdout):
    """(tokens per second, tokens per run) from llama-bench's JSON."""
    rows = json.loads(stdout[stdout.index("["):])
    row = [r for r in rows if r.get("n_prompt", 0) > 0][0]
    return row["avg_ts"], row["n_prompt"]


def perplexity_command(build_dir, gguf, text_file, threads, context, gpu_layers=0, seqs=16):
    """llama-perplexity over the texts (joined into one stream and cut into chunks of `context`
    tokens, `seqs` chunks per forward pass; logits of the second half of every chunk)."""
    return [tool(build_dir, "llama-perplexity"), "-m", gguf, "-f", text_file, "-c", str(context),
            "-b", str(seqs * context), "-t", str(threads), "-ngl", str(gpu_layers)]


def perplexity_rate(output):
    """(tokens per second, tokens, perplexity) from llama-perplexity's log: its first pass (it
    times no other) holds min(chunks, sequences per pass) chunks."""
    plan = re.search(r"over (\d+) chunks, n_ctx=(\d+), batch_size=\d+, n_seq=(\d+)", output)
    first = re.search(r"([\d.]+) seconds per pass", output)
    if not plan or not first:
        raise ValueError("no chunk plan or pass time in llama-perplexity's output")
    chunks, context, seqs = (int(g) for g in plan.groups())
    tokens = min(chunks, seqs) * context
    ppl = re.search(r"Final estimate: PPL = ([\d.]+)", output)
    return tokens / float(first.group(1)), tokens, float(ppl.group(1)) if ppl else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["build"])
    p.add_argument("--cache", default=DEFAULT_CACHE)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--lock", help="a file to flock around the build (a shared machine)")
    p.add_argument("--cuda", action="store_true", help="build with -DGGML_CUDA=ON")
    args = p.parse_args()
    print(build(args.cache, args.jobs, args.lock, args.cuda))


if __name__ == "__main__":
    main()
