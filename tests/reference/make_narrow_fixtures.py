#!/usr/bin/python3
"""Writes the safetensors fixtures for the dtypes wick widens on load (F16,
BF16, I8, I16, I32, U16, U32), with the widened values NumPy and PyTorch
compute, for tests/io/safetensors_test.cpp and tests/io/widen_test.cpp.

Run with /usr/bin/python3 (it has torch 1.13 and numpy):
    /usr/bin/python3 tests/reference/make_narrow_fixtures.py

Outputs, under tests/data/safetensors/:
  narrow.safetensors           one tensor per narrow dtype (special values and
                               extremes) and one F32, written by hand below;
                               the I8 tensor comes first, so the others start
                               at odd offsets (unaligned reads)
  narrow.expected.safetensors  the same names widened by NumPy/PyTorch:
                               F16/BF16 -> F32, integers -> I64
  linear_f16.safetensors       an nn.Linear(4, 3) state_dict in F16
  linear_f16.expected.safetensors
                               x [5, 4] and y = F.linear(x, w.float(), b.float())
                               computed by PyTorch on the widened weights
  half_to_float.npy            all 65536 float16 bit patterns converted to
                               float32 by NumPy (index = the half's bits)
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import st_io  # noqa: E402

OUT = os.path.join(HERE, "..", "data", "safetensors")


def write_safetensors(path, tensors):
    """tensors: list of (name, tag, shape, raw little-endian bytes), laid out
    in this order; the header lists them in the same order."""
    header, chunks, offset = {}, [], 0
    for name, tag, shape, raw in tensors:
        header[name] = {"dtype": tag, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def entry(name, tag, array):
    a = np.ascontiguousarray(array)
    return (name, tag, a.shape, a.astype(a.dtype.newbyteorder("<")).tobytes())


def bf16_bits(values):
    """bfloat16 bit patterns as int16, rounded by PyTorch."""
    return torch.tensor(values, dtype=torch.float32).to(torch.bfloat16).view(torch.int16).numpy()


def narrow():
    f16 = np.array([[2.0**-24, 2.0**-20, -(2.0**-24), 2.0**-14, 65504.0],
                    [-0.0, np.inf, -np.inf, np.nan, 1.0 / 3.0]], dtype=np.float64).astype(np.float16)
    bf16_values = [3.0e38, -1.0e38, 1.0e-38, 9.2e-41, -0.0, float("inf"), float("nan"), 3.14159, -1.5]
    bf16 = bf16_bits(bf16_values)
    i8 = np.array([-128, 127, 0, -1, 5], dtype=np.int8)
    i16 = np.array([[-32768, 32767], [-1, 300]], dtype=np.int16)
    i32 = np.array([-(2**31), 2**31 - 1, 0, -7], dtype=np.int32)
    u16 = np.array([0, 65535, 32768], dtype=np.uint16)
    u32 = np.array([0, 4294967295, 2**31], dtype=np.uint32)
    f32 = np.array([1.5, -2.0], dtype=np.float32)
    write_safetensors(os.path.join(OUT, "narrow.safetensors"), [
        entry("i8", "I8", i8),  # 5 bytes: everything after it is unaligned
        entry("f16", "F16", f16.view(np.uint16)),
        entry("bf16", "BF16", bf16),
        entry("i16", "I16", i16),
        entry("i32", "I32", i32),
        entry("u16", "U16", u16),
        entry("u32", "U32", u32),
        entry("f32", "F32", f32),
    ])
    # The widened values, by NumPy (F16, integers) and PyTorch (BF16).
    expected = {
        "i8": i8.astype(np.int64),
        "f16": f16.astype(np.float32),
        "bf16": torch.from_numpy(bf16.copy()).view(torch.bfloat16).float().numpy(),
        "i16": i16.astype(np.int64),
        "i32": i32.astype(np.int64),
        "u16": u16.astype(np.int64),
        "u32": u32.astype(np.int64),
        "f32": f32,
    }
    st_io.save_file(expected, os.path.join(OUT, "narrow.expected.safetensors"))


def linear_f16():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    w16 = model.weight.detach().to(torch.float16)
    b16 = model.bias.detach().to(torch.float16)
    write_safetensors(os.path.join(OUT, "linear_f16.safetensors"), [
        entry("weight", "F16", w16.numpy().view(np.uint16)),
        entry("bias", "F16", b16.numpy().view(np.uint16)),
    ])
    # What a float32 model computes after load_state_dict copies the float16
    # checkpoint into its parameters.
    x = torch.randn(5, 4)
    target = torch.nn.Linear(4, 3)
    target.load_state_dict({"weight": w16, "bias": b16})
    with torch.no_grad():
        y = target(x)
    assert target.weight.dtype == torch.float32
    st_io.save_file({"x": x.numpy(), "y": y.numpy()}, os.path.join(OUT, "linear_f16.expected.safetensors"))


def all_halves():
    bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    np.save(os.path.join(OUT, "half_to_float.npy"), bits.view(np.float16).astype(np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    narrow()
    linear_f16()
    all_halves()
    for f in sorted(os.listdir(OUT)):
        if f.startswith(("narrow", "linear_f16", "half_to_float")):
            print(f"{os.path.getsize(os.path.join(OUT, f)):7d}  {f}")


if __name__ == "__main__":
    main()
