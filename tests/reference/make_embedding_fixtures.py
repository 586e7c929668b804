#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of tests/nn/embedding_test.cpp and
tests/nn/containers_test.cpp.

Inputs come from a fixed NumPy seed; every expected value is computed by
PyTorch 1.13 (never by wick) and saved as .npy under tests/data/embedding/
(float64 unless the name says otherwise):

  emb.weight                       the table used by every case below, [7, 4]
  emb_<case>.idx                   int64 indices
  emb_<case>.gy                    the weight of the loss sum(out * gy)
  emb_<case>.out / .dweight        forward output and d loss / d weight
  emb_<case>.renormed              (max_norm cases) the weight after the call
  cases: repeat (1-D, repeated indices), pad2d (2-D, padding_idx=2),
         freq (scale_grad_by_freq with padding_idx=-1), maxnorm (max_norm=1.5),
         maxnorm_l1 (max_norm=2, norm_type=1), scalar (0-d index),
         pretrained (from_pretrained(freeze=False, padding_idx=1): the padding
         row keeps its values but gets no gradient)
  containers.keys.txt              state_dict keys of the container model, in order
  containers.<key>                 its state_dict values (float32)
  containers.x / containers.y      an input and the model's output (float32)

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_embedding_fixtures.py
"""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "embedding")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261128)


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    # np.array, not np.ascontiguousarray: the latter turns a 0-d array into 1-d.
    np.save(os.path.join(OUT, name + ".npy"), np.array(arr, order="C"))


# ---- embedding: one table, several lookups ----
W = rng.normal(0, 1, size=(7, 4))
save("emb.weight", W)


def case(name, idx, call):
    """call(idx_tensor, weight_parameter) -> output; records out and dweight."""
    idx = np.asarray(idx, dtype=np.int64)
    w = torch.tensor(W, requires_grad=True)
    out = call(torch.from_numpy(idx), w)
    gy = rng.normal(0, 1, size=tuple(out.shape))
    (out * torch.from_numpy(gy)).sum().backward()
    save(f"emb_{name}.idx", idx)
    save(f"emb_{name}.gy", gy)
    save(f"emb_{name}.out", out)
    save(f"emb_{name}.dweight", w.grad)
    return w


case("repeat", [1, 3, 1, 6, 1, 0], lambda i, w: F.embedding(i, w))
case("pad2d", [[2, 0, 2, 5], [6, 2, 1, 1], [3, 3, 2, 4]], lambda i, w: F.embedding(i, w, padding_idx=2))
case("freq", [[6, 1, 1, 4], [1, 6, 5, 5]],
     lambda i, w: F.embedding(i, w, padding_idx=-1, scale_grad_by_freq=True))
case("scalar", 5, lambda i, w: F.embedding(i, w))
# The renorm changes the table in place before the lookup; the rows are
# chosen so that some exceed max_norm and some do not.
w = case("maxnorm", [[0, 2, 0], [4, 5, 2]], lambda i, w: F.embedding(i, w, max_norm=1.5))
save("emb_maxnorm.renormed", w)
w = case("maxnorm_l1", [1, 3, 3, 6], lambda i, w: F.embedding(i, w, max_norm=2.0, norm_type=1.0))
save("emb_maxnorm_l1.renormed", w)


# from_pretrained shares the tensor in PyTorch; the gradient lands on e.weight.
idx = np.array([[1, 2], [1, 4]], dtype=np.int64)
e = nn.Embedding.from_pretrained(torch.tensor(W), freeze=False, padding_idx=1)
out = e(torch.from_numpy(idx))
gy = rng.normal(0, 1, size=tuple(out.shape))
(out * torch.from_numpy(gy)).sum().backward()
save("emb_pretrained.idx", idx)
save("emb_pretrained.gy", gy)
save("emb_pretrained.out", out)
save("emb_pretrained.dweight", e.weight.grad)
assert torch.equal(e.weight[1], torch.tensor(W[1]))  # the padding row is not zeroed


# ---- containers: state_dict key names of a model holding them ----
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4, padding_idx=0)
        self.layers = nn.ModuleList([nn.Linear(4, 8), nn.Linear(8, 8)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1)})
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(8, 8), nn.ReLU()),
                                     nn.ModuleList([nn.Linear(8, 8)])])

    def forward(self, tokens):
        h = self.emb(tokens).mean(1)
        for layer in self.layers:
            h = torch.relu(layer(h))
        h = self.blocks[0](h)
        h = self.blocks[1][0](h)
        return torch.cat([self.heads["cls"](h), self.heads["reg"](h)], 1)


torch.manual_seed(0)
net = Net()
sd = net.state_dict()
with open(os.path.join(OUT, "containers.keys.txt"), "w") as f:
    for k in sd:
        f.write(k + "\n")
for k, v in sd.items():
    save("containers." + k, v)
x = rng.integers(0, 10, size=(3, 5)).astype(np.int64)
save("containers.x", x)
with torch.no_grad():
    save("containers.y", net(torch.from_numpy(x)))
