#!/usr/bin/env python3
"""Reference dequantisation of ggml's IQ, ternary and MXFP4 types for tests/gguf.

Writes tests/data/gguf/dequant_iq.gguf, laid out as generate.py's dequant.gguf: for each of
IQ4_NL, IQ4_XS, IQ3_S, IQ3_XXS, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S, IQ1_M, TQ1_0, TQ2_0 and MXFP4 a
tensor "<TYPE>" of 2 x 512 values and "<TYPE>.expected", the same values dequantised to F32 by
gguf.dequantize (the package's quants.py). The types the package can quantise (TQ1_0, TQ2_0,
MXFP4) are quantised from random normals; the others are random block bytes whose f16 scale is
set to a finite value (IQ1_M spreads it over the top nibbles of its four scale words), so that
every other bit of the layout, grid indices and signs included, is random.

Run from the repository root:  python3 tests/oracle/gguf/generate_iq_dequant.py
Needs numpy and gguf (0.19).
"""
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "gguf", "dequant_iq.gguf")

QUANTISED = [Q.TQ1_0, Q.TQ2_0, Q.MXFP4]
# Byte offset of the f16 block scale (ggml's block_iq* structs); IQ1_M has none (see below).
SCALE_AT = {Q.IQ4_NL: 0, Q.IQ4_XS: 0, Q.IQ3_S: 0, Q.IQ3_XXS: 0, Q.IQ2_XXS: 0, Q.IQ2_XS: 0,
            Q.IQ2_S: 0, Q.IQ1_S: 0}
RANDOM = list(SCALE_AT) + [Q.IQ1_M]
IQ1_M_SCALES_AT = 48  # four little-endian uint16 words; their top nibbles hold the f16 scale


def random_blocks(qtype, rows, cols, rng):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(rows * cols // block, size), dtype=np.uint8)
    d = (np.abs(rng.normal(size=blocks.shape[0])) * 0.01 + 0.0025).astype(np.float16)
    if qtype == Q.IQ1_M:
        bits = d.view(np.uint16)
        words = blocks[:, IQ1_M_SCALES_AT:IQ1_M_SCALES_AT + 8].copy().view(np.uint16)
        for k in range(4):
            nibble = (bits >> np.uint16(4 * k)) & np.uint16(0xF)
            words[:, k] = (words[:, k] & np.uint16(0x0FFF)) | (nibble << np.uint16(12))
        blocks[:, IQ1_M_SCALES_AT:IQ1_M_SCALES_AT + 8] = words.view(np.uint8)
    else:
        at = SCALE_AT[qtype]
        blocks[:, at:at + 2] = d.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, cols // block * size)


def main():
    rng = np.random.default_rng(20)
    w = gguf.GGUFWriter(OUT, arch="none")
    w.add_description("dequantisation cases of the IQ, TQ and MXFP4 types for tests/gguf")
    for qtype in RANDOM + QUANTISED:
        if qtype in QUANTISED:
            data = gguf.quantize(rng.normal(size=(2, 512)).astype(np.float32) * 4, qtype)
        else:
            data = random_blocks(qtype, 2, 512, rng)
        expected = gguf.dequantize(data, qtype).astype(np.float32).reshape(2, 512)
        assert np.all(np.isfinite(expected)), qtype.name
        w.add_tensor(qtype.name, data, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", expected)
        print(f"{qtype.name}: values up to {np.abs(expected).max():.3g}")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
