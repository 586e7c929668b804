#!/usr/bin/python3
"""PyTorch 1.13 reference for examples/fashion_cnn.cpp: the same model,
augmentation, optimizer, batch size and one epoch on Fashion-MNIST, for a few
seeds; prints the test accuracy of each. The example's bar comes from these.

  /usr/bin/python3 tests/reference/fashion_cnn.py [DATA_DIR] [SEEDS...]

Reads the four IDX files (plain or .gz) from DATA_DIR (default
data/fashion-mnist). The augmentation is applied per batch on the
normalized tensors as the example does (crop padding = black's normalized
value, a horizontal flip with p = 0.5 per image).
"""
import gzip
import os
import sys
import time

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.2860, 0.3530


def idx(path):
    opener = gzip.open if not os.path.exists(path) else open
    with opener(path if os.path.exists(path) else path + ".gz", "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding="same"), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding="same", groups=16), nn.Conv2d(16, 32, 1),
        nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout2d(0.1),
        nn.Conv2d(32, 64, 3, padding="same"), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def augment(x, gen):
    n = x.shape[0]
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), value=-MEAN / STD)
    top = torch.randint(0, 5, (n,), generator=gen)
    left = torch.randint(0, 5, (n,), generator=gen)
    out = torch.stack([padded[i, :, top[i]:top[i] + 28, left[i]:left[i] + 28] for i in range(n)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def run(root, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    xtr = (torch.from_numpy(idx(f"{root}/train-images-idx3-ubyte").astype(np.float32)) / 255 - MEAN) / STD
    ytr = torch.from_numpy(idx(f"{root}/train-labels-idx1-ubyte").astype(np.int64))
    xte = (torch.from_numpy(idx(f"{root}/t10k-images-idx3-ubyte").astype(np.float32)) / 255 - MEAN) / STD
    yte = torch.from_numpy(idx(f"{root}/t10k-labels-idx1-ubyte").astype(np.int64))
    xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    m = model()
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    order = torch.randperm(len(xtr), generator=gen)
    start = time.time()
    m.train()
    for i in range(0, len(xtr), 128):
        idxs = order[i:i + 128]
        loss = torch.nn.functional.cross_entropy(m(augment(xtr[idxs], gen)), ytr[idxs])
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.time() - start
    m.eval()
    with torch.no_grad():
        correct = sum((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000))
    print(f"seed {seed}: 1 epoch in {seconds:.1f} s, test accuracy {correct / 10000:.4f}", flush=True)


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "data/fashion-mnist"
    for s in (sys.argv[2:] or ["0", "1", "2"]):
        run(root, int(s))
