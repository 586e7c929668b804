#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of SiLU, ELU, Softplus, Mish and
Dropout2d for tests/nn/layers_smooth_activation_test.cpp and
tests/nn/layers_dropout2d_test.cpp, and of exact GELU's tails for
tests/nn/activation_kernels_test.cpp.

A separate script from make_layer_fixtures.py so that the fixtures written
there (from one shared NumPy stream) keep their bytes. Inputs come from a
fixed NumPy seed; every expected value is computed by PyTorch 1.13 (never by
wick) and saved under tests/data/layers/:

  smooth_<dtype>.in.npy, smooth_<dtype>.w.npy   input x and weights w
  smooth_<case>_<dtype>.out.npy                 the activation of x
  smooth_<case>_<dtype>.grad.npy                d sum(w * act(x)) / dx
  smooth_reprs.txt                              repr() of each layer, one a line
  dropout2d_scale.npy                           [p, survivor value for x=1] (float32)
  gelu_tail_f64.{in,out,grad}.npy               exact GELU and its gradient far in the tails

The inputs hold the hard cases: +-0, +-100, +-1e4 (overflow of exp), and
both sides of Softplus's threshold (beta * x = threshold exactly takes the
log branch).

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_activation_fixtures.py
"""
import os
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "layers")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261128)

SPECIAL = [0.0, -0.0, 1e-3, -1e-3, 100.0, -100.0, 1e4, -1e4, 20.0, 19.99, 20.5, -20.0, 2.5, 2.6, 5.0, 10.0,
           -30.0, 50.0, -50.0, 0.7]


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(arr))


CASES = {
    "silu": nn.SiLU(),
    "elu": nn.ELU(),
    "elu_0.5": nn.ELU(alpha=0.5),
    "softplus": nn.Softplus(),
    "softplus_b2_t5": nn.Softplus(beta=2, threshold=5),
    "softplus_b0.5_t10": nn.Softplus(beta=0.5, threshold=10),
    "softplus_bm1": nn.Softplus(beta=-1),
    "mish": nn.Mish(),
}

for dt, npdt in (("f32", np.float32), ("f64", np.float64)):
    x = rng.normal(0, 3, size=(6, 8)).astype(npdt)
    x.reshape(-1)[:len(SPECIAL)] = SPECIAL
    w = rng.normal(0, 1, size=x.shape).astype(npdt)
    save(f"smooth_{dt}.in", x)
    save(f"smooth_{dt}.w", w)
    for name, layer in CASES.items():
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        y = layer(xt)
        (y * torch.from_numpy(w)).sum().backward()
        assert torch.isfinite(y).all() and torch.isfinite(xt.grad).all(), (name, dt)
        save(f"smooth_{name}_{dt}.out", y)
        save(f"smooth_{name}_{dt}.grad", xt.grad)

reprs = [nn.SiLU(), nn.ELU(), nn.ELU(alpha=0.5), nn.Softplus(), nn.Softplus(beta=2, threshold=5),
         nn.Softplus(beta=0.5, threshold=10.5), nn.Mish(), nn.Dropout2d(), nn.Dropout2d(0.3)]
with open(os.path.join(OUT, "smooth_reprs.txt"), "w") as f:
    f.write("".join(repr(m) + "\n" for m in reprs))

# ---- Dropout2d: the survivor value, and 1.13's rule for 3-D inputs ----
torch.manual_seed(0)
p = 0.3
y = F.dropout2d(torch.ones(64, 100, 3, 2), p=p, training=True)
survivor = y[y != 0][0].item()
assert torch.all((y == 0) | (y == survivor))
assert torch.all(y == y[:, :, :1, :1])  # whole channels
save("dropout2d_scale", np.array([p, survivor], dtype=np.float32))
# A 3-D input is [N, C, L] in 1.13 (a warning says so): one draw per
# (dim 0, dim 1), so the dim-0 slices differ. tests/nn/layers_dropout2d_test.cpp
# checks wick does the same.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    y3 = F.dropout2d(torch.ones(8, 16, 5), p=0.5, training=True)
assert torch.all(y3 == y3[:, :, :1])
assert not torch.all(y3 == y3[:1])

# ---- exact GELU deep in its tails, for tests/nn/activation_kernels_test.cpp ----
# x Phi(x) and its gradient Phi(x) + x phi(x), with Phi(x) = erfc(-x / sqrt2) / 2
# by torch.special.erfc: F.gelu's 1 + erf(x / sqrt2), and 1.13's
# torch.special.ndtr, cancel to 0 in float64 too once x < -8, so neither can
# be the reference there. Float64; the inputs (multiples of 1/2, so x^2 is
# exact) are float32 numbers as well. Down to -37: Phi(-38) is subnormal in
# float64.
xg = torch.tensor(np.concatenate([-np.arange(37.0, 3.5, -0.5), np.arange(4.0, 10.5, 1.0)]), dtype=torch.float64)
cdf = 0.5 * torch.special.erfc(-xg * 0.7071067811865476)
phi = torch.exp(-0.5 * xg * xg) / np.sqrt(2 * np.pi)
assert (cdf > 0).all()
save("gelu_tail_f64.in", xg)
save("gelu_tail_f64.out", xg * cdf)
save("gelu_tail_f64.grad", cdf + xg * phi)

print("wrote", len(os.listdir(OUT)), "files to", os.path.normpath(OUT))
