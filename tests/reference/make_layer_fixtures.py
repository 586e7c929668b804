#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of tests/nn/layers_*_test.cpp.

Inputs come from a fixed NumPy seed; every expected value is computed by
PyTorch 1.13 (never by wick) and saved as .npy under tests/data/layers/:

  act_<name>_<dtype>.{in,out}.npy        activations (float32 and float64)
  dropout_scale.npy                      [p, survivor value for x=1] (float32)
  bn2d_*  / bn3d_* / bn_noaffine_*       BatchNorm1d: two training steps
  bn4d.*                                 BatchNorm2d: the same on [N, C, H, W]
                                         (outputs, running stats, counts),
                                         gradients of step 1, then eval
  ln_*                                   LayerNorm forward and gradients

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_layer_fixtures.py
"""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "layers")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20240612)


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(arr))


# ---- activations: one input per dtype, with exact zeros and large values ----
for dt, npdt in (("f32", np.float32), ("f64", np.float64)):
    x = rng.normal(0, 2.5, size=(6, 7)).astype(npdt)
    x[0, :3] = [0.0, -0.0, 1e-3]
    x[1, :2] = [12.0, -12.0]
    save(f"act_{dt}.in", x)
    t = torch.from_numpy(x)
    outs = {
        "relu": F.relu(t),
        "leaky_relu": F.leaky_relu(t),
        "leaky_relu_0.2": F.leaky_relu(t, 0.2),
        "gelu": F.gelu(t),
        "gelu_tanh": F.gelu(t, approximate="tanh"),
        "sigmoid": torch.sigmoid(t),
        "tanh": torch.tanh(t),
        "softmax_1": F.softmax(t, 1),
        "log_softmax_0": F.log_softmax(t, 0),
    }
    for name, y in outs.items():
        save(f"act_{name}_{dt}.out", y)

# ---- dropout: the value a surviving 1.0 takes (PyTorch divides by 1-p) ----
torch.manual_seed(0)
p = 0.3
y = F.dropout(torch.ones(100000), p=p, training=True)
survivor = y[y != 0][0].item()
assert torch.all((y == 0) | (y == survivor))
save("dropout_scale", np.array([p, survivor], dtype=np.float32))


# ---- BatchNorm1d: two training steps, gradients of the first, then eval ----
def batchnorm_case(prefix, shape, dtype, **kwargs):
    npdt = np.float32 if dtype == torch.float32 else np.float64
    c = shape[1]
    bn = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(c, **kwargs).to(dtype)
    if bn.affine:
        with torch.no_grad():
            bn.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, c).astype(npdt)))
            bn.bias.copy_(torch.from_numpy(rng.normal(0, 0.5, c).astype(npdt)))
        save(prefix + ".weight", bn.weight)
        save(prefix + ".bias", bn.bias)
    bn.train()
    for step in (1, 2):
        # offsets per channel so the means and variances differ
        x = (rng.normal(0, 1, shape) * rng.uniform(0.5, 3, [c] + [1] * (len(shape) - 2)) +
             rng.normal(0, 2, [c] + [1] * (len(shape) - 2))).astype(npdt)
        save(f"{prefix}.x{step}", x)
        xt = torch.from_numpy(x).requires_grad_(True)
        y = bn(xt)
        save(f"{prefix}.y{step}", y)
        if step == 1:
            w = rng.normal(0, 1, shape).astype(npdt)
            save(prefix + ".gw", w)
            (y * torch.from_numpy(w)).sum().backward()
            save(prefix + ".dx", xt.grad)
            if bn.affine:
                save(prefix + ".dweight", bn.weight.grad)
                save(prefix + ".dbias", bn.bias.grad)
        if bn.track_running_stats:
            save(f"{prefix}.running_mean{step}", bn.running_mean)
            save(f"{prefix}.running_var{step}", bn.running_var)
            save(f"{prefix}.num_batches_tracked{step}", bn.num_batches_tracked.reshape(1))
    bn.eval()
    x = rng.normal(0, 2, shape).astype(npdt)
    save(prefix + ".x3", x)
    save(prefix + ".y3", bn(torch.from_numpy(x)))


batchnorm_case("bn2d", (8, 5), torch.float64)
batchnorm_case("bn3d", (4, 3, 6), torch.float64)
batchnorm_case("bn2d_f32", (16, 7), torch.float32)
batchnorm_case("bn3d_cma", (5, 2, 3), torch.float64, momentum=None, eps=1e-3)
batchnorm_case("bn_noaffine", (6, 4), torch.float64, affine=False, track_running_stats=False)

# ---- LayerNorm over the last two dims ----
x = rng.normal(1, 2, (3, 4, 5))
ln = nn.LayerNorm([4, 5]).double()
with torch.no_grad():
    ln.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, (4, 5))))
    ln.bias.copy_(torch.from_numpy(rng.normal(0, 0.5, (4, 5))))
xt = torch.from_numpy(x).requires_grad_(True)
y = ln(xt)
w = rng.normal(0, 1, y.shape)
(y * torch.from_numpy(w)).sum().backward()
for name, arr in (("x", x), ("weight", ln.weight), ("bias", ln.bias), ("y", y), ("gw", w), ("dx", xt.grad),
                  ("dweight", ln.weight.grad), ("dbias", ln.bias.grad)):
    save("ln." + name, arr)
x = rng.normal(0, 1, (2, 6)).astype(np.float32)
save("ln_f32.x", x)
save("ln_f32.y", F.layer_norm(torch.from_numpy(x), (6,), eps=1e-5))

# BatchNorm2d on images [N, C, H, W] (last, so the cases above keep their values).
batchnorm_case("bn4d", (4, 3, 5, 6), torch.float64)

print("wrote", len(os.listdir(OUT)), "files to", os.path.normpath(OUT))
