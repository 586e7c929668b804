#!/usr/bin/python3
"""Writes the torch.save fixtures of tests/io/pytorch_test.cpp with PyTorch itself.

Run with /usr/bin/python3 (it has torch 1.13 and numpy):
    /usr/bin/python3 tests/reference/make_pt_fixtures.py

Outputs, under tests/data/pytorch/ (committed, a few KB each):
  <name>.pt                    written by torch.save
  <name>.expected.safetensors  the tensors wick must load from <name>.pt, as
                               numpy arrays (t.numpy(), so views are already
                               copied out by PyTorch, not by wick), written by
                               the json+numpy codec tests/interop/st_io.py; its
                               metadata "order" lists the names in
                               state_dict order, comma-separated.
Files that wick must refuse have no expected file.
"""
import collections
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import st_io  # noqa: E402

OUT = os.path.join(HERE, "..", "data", "pytorch")


def save(name, obj, expected=None, **kwargs):
    torch.save(obj, os.path.join(OUT, name + ".pt"), **kwargs)
    if expected is not None:
        arrays = collections.OrderedDict((k, v.detach().numpy().copy()) for k, v in expected.items())
        st_io.save_file(arrays, os.path.join(OUT, name + ".expected.safetensors"), {"order": ",".join(arrays)})


def mlp():
    # A Linear/BatchNorm MLP after a few training steps: moved weights,
    # BatchNorm statistics and num_batches_tracked = 3 (int64, 0-d).
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        x = torch.randn(16, 4)
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


def main():
    os.makedirs(OUT, exist_ok=True)
    model, opt = mlp()
    sd = model.state_dict()
    save("mlp", sd, sd)

    # A plain dict (not an OrderedDict) of every dtype wick has, a 0-d and an
    # empty tensor.
    dtypes = {
        "f64": torch.tensor([[0.0, -0.0], [float("inf"), -float("inf")], [5e-324, 1.7976931348623157e308]],
                            dtype=torch.float64),
        "f32": torch.tensor([1.5, -2.25, 3.0e-38], dtype=torch.float32),
        "i64": torch.tensor([-(2**63), -1, 0, 2**63 - 1], dtype=torch.int64),
        "u8": torch.arange(0, 256, 51, dtype=torch.uint8),
        "mask": torch.tensor([[True, False, True], [False, False, True]]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save("dtypes", dtypes, dtypes)

    # Views of one storage, saved as they are: PyTorch writes the storage
    # once and each tensor as (offset, size, stride) into it.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = collections.OrderedDict([
        ("base", base),
        ("transposed", base.t()),            # non-contiguous
        ("rows", base[1:3]),                 # offset 6
        ("column", base[:, 2]),              # offset 2, stride 6
        ("strided", base[::2, 1::2]),        # offset 1, strides (12, 2)
        ("expanded", base[0, :3].expand(2, 3)),  # stride 0
    ])
    save("views", views, views)

    # Two tensors sharing one storage with offsets and nothing else.
    flat = torch.linspace(-1, 1, 10, dtype=torch.float64)
    shared = collections.OrderedDict([("head", flat[:4]), ("tail", flat[4:])])
    save("shared", shared, shared)

    # A training checkpoint: the state_dict is under a key.
    ckpt = {"model_state_dict": sd, "optimizer_state_dict": opt.state_dict(), "epoch": 5, "loss": 0.25}
    save("checkpoint", ckpt, sd)

    # nn.Parameter values (torch._utils._rebuild_parameter).
    params = collections.OrderedDict((k, v) for k, v in model.named_parameters())
    save("parameters", params, params)

    # Dtypes wick has no tensor type for, widened on load as load_state_dict
    # copies them into float32/int64 parameters. The expected values are
    # PyTorch's own .float() / .long(). (NaN here is the quiet float('nan'):
    # PyTorch sets the quiet bit of a signaling half NaN, wick keeps it as
    # it is, as NumPy does; tests/io/widen_test.cpp covers those.)
    half = torch.tensor([2.0**-24, 2.0**-20, -(2.0**-24), 2.0**-14, 65504.0, -0.0,
                         float("inf"), -float("inf"), float("nan"), 1.0 / 3.0], dtype=torch.float16)
    save("half", collections.OrderedDict([("h", half)]), {"h": half.float()})
    bf16 = torch.tensor([3.0e38, -1.0e38, 1.0e-38, 9.2e-41, -0.0, float("inf"), float("nan"), 3.14159],
                        dtype=torch.bfloat16)
    grid16 = torch.arange(-6, 6, dtype=torch.float32).reshape(3, 4).to(torch.float16) / 4
    i8 = torch.tensor([-128, 127, 0, -1, 5, 6], dtype=torch.int8)
    narrow = collections.OrderedDict([
        ("bf16", bf16),
        ("i32", torch.tensor([-(2**31), 2**31 - 1, 0, -7], dtype=torch.int32)),
        ("i16", torch.tensor([[-32768, 32767], [-1, 300]], dtype=torch.int16)),
        ("i8", i8),
        ("grid16", grid16),
        ("grid16_t", grid16.t()),     # a strided view of a float16 storage
        ("i8_tail", i8[2:5]),         # an offset view of an int8 storage
    ])
    save("narrow", narrow, collections.OrderedDict(
        (k, v.float() if v.is_floating_point() else v.long()) for k, v in narrow.items()))

    # Files wick refuses, each with its own message.
    small = collections.OrderedDict([("w", torch.ones(2, 2))])
    save("legacy", small, _use_new_zipfile_serialization=False)
    torch.manual_seed(1)
    save("module", nn.Linear(2, 2))
    save("complex", collections.OrderedDict([("z", torch.tensor([1 + 2j, -3j], dtype=torch.complex64))]))
    save("extra_state", collections.OrderedDict([("w", torch.ones(2)), ("_extra_state", "note")]))
    save("tensor", torch.ones(2))

    for f in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, f)):7d}  {f}")


if __name__ == "__main__":
    main()
