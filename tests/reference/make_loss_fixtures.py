#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of tests/nn/loss_reference_test.cpp.

Inputs come from a fixed NumPy seed; every expected value (the loss and its
gradients) is computed by PyTorch 1.13, never by wick. For each case it saves
under tests/data/loss/:

  <case>.input.npy, <case>.target.npy   the arguments (+ .weight, .pos_weight)
  <case>.gout.npy    the upstream gradient (shape of the loss), so that a
                     gradient landing on the wrong position cannot cancel out
  <case>.out.npy     F.<fn>(input, target, **options)
  <case>.grad.npy    d(sum(out * gout)) / d input
  <case>.tgrad.npy   the same for the target, where it is a float tensor

and one line per case in manifest.txt:
  <case> <fn> key=value ...   (keys: dtype reduction weight pos_weight delta
                               beta ignore_index label_smoothing log_target tgrad)

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_loss_fixtures.py
"""
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "loss")

rng = np.random.default_rng(20240612)
lines = []
names = set()

REDUCTIONS = ["none", "mean", "sum"]


def save(case, kind, arr):
    fname = f"{case}.{kind}.npy"
    np.save(os.path.join(OUT, fname), np.array(arr, order="C"))
    return fname


def normal(shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def uniform(shape, dtype, lo, hi):
    return (rng.random(shape) * (hi - lo) + lo).astype(dtype)


def add(case, fn, x, t, dtype="float64", weight=None, pos_weight=None, target_grad=True, **kw):
    """Runs F.<fn> in PyTorch and records the case (target_grad: also check the
    target's gradient when it is a float tensor)."""
    assert case not in names, case
    names.add(case)
    xt = torch.tensor(x, requires_grad=True)
    float_target = np.issubdtype(t.dtype, np.floating) and target_grad
    tt = torch.tensor(t, requires_grad=float_target)
    args = {}
    line = [case, fn, f"dtype={dtype}"]
    if weight is not None:
        args["weight"] = torch.tensor(weight)
        save(case, "weight", weight)
        line.append("weight=1")
    if pos_weight is not None:
        args["pos_weight"] = torch.tensor(pos_weight)
        save(case, "pos_weight", pos_weight)
        line.append("pos_weight=1")
    for k, v in kw.items():
        args[k] = v
        line.append(f"{k}={int(v) if isinstance(v, bool) else v}")
    out = getattr(F, fn)(xt, tt, **args)
    gout = normal(out.shape, x.dtype)
    inputs = [xt, tt] if float_target else [xt]
    grads = torch.autograd.grad(out, inputs, torch.tensor(gout), allow_unused=True)
    save(case, "input", x)
    save(case, "target", t)
    save(case, "gout", gout)
    save(case, "out", out.detach().numpy())
    save(case, "grad", grads[0].numpy())
    if float_target and grads[1] is not None:
        save(case, "tgrad", grads[1].numpy())
        line.append("tgrad=1")
    lines.append(" ".join(line))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    f64, f32 = np.float64, np.float32

    # ---- regression losses: every reduction, several shapes ----
    for shape, sname in [((5, 3), "2d"), ((7,), "1d"), ((), "0d")]:
        for r in REDUCTIONS:
            x = normal(shape, f64, 2.0)
            t = normal(shape, f64, 2.0)
            add(f"mse_{sname}_{r}", "mse_loss", x, t, reduction=r)
            add(f"l1_{sname}_{r}", "l1_loss", x, t, reduction=r)
    # l1 with exact ties: the subgradient at 0 is 0, as PyTorch
    x = normal((6,), f64)
    t = x.copy()
    t[::2] += 1.0
    add("l1_ties", "l1_loss", x, t, reduction="sum")
    for delta in [1.0, 0.5, 2.5]:
        for r in REDUCTIONS:
            add(f"huber_d{delta}_{r}", "huber_loss", normal((4, 5), f64, 2.0), normal((4, 5), f64, 2.0),
                reduction=r, delta=delta)
    for beta in [1.0, 0.3, 0.0]:
        for r in REDUCTIONS:
            add(f"smooth_l1_b{beta}_{r}", "smooth_l1_loss", normal((4, 5), f64, 2.0), normal((4, 5), f64, 2.0),
                reduction=r, beta=beta)

    # ---- binary cross-entropy on probabilities ----
    n, c = 6, 4
    for wname, w in [("now", None), ("wfull", uniform((n, c), f64, 0.2, 2.0)), ("wrow", uniform((c,), f64, 0.2, 2.0))]:
        for r in REDUCTIONS:
            add(f"bce_{wname}_{r}", "binary_cross_entropy", uniform((n, c), f64, 0.02, 0.98),
                uniform((n, c), f64, 0.0, 1.0), weight=w, reduction=r)
    # exact 0 and 1: logs clamped at -100, gradient denominator clamped at 1e-12
    add("bce_edges", "binary_cross_entropy", np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30]),
        np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0]), reduction="none")

    # ---- binary cross-entropy with logits ----
    for wname, w in [("now", None), ("wfull", uniform((n, c), f64, 0.2, 2.0)), ("wrow", uniform((c,), f64, 0.2, 2.0))]:
        for pname, pw in [("nopw", None), ("pw", uniform((c,), f64, 0.5, 4.0))]:
            for r in REDUCTIONS:
                add(f"bcel_{wname}_{pname}_{r}", "binary_cross_entropy_with_logits", normal((n, c), f64, 3.0),
                    uniform((n, c), f64, 0.0, 1.0), weight=w, pos_weight=pw, reduction=r)
    # large logits: the stable form stays finite
    big = np.array([-80.0, -30.0, -1.0, 0.0, 1.0, 30.0, 80.0, 700.0])
    add("bcel_large", "binary_cross_entropy_with_logits", big, np.array([0, 1, 0, 1, 1, 0, 1, 0], dtype=f64),
        pos_weight=np.array([2.0]), reduction="none")
    add("bcel_1d_hard", "binary_cross_entropy_with_logits", normal((9,), f64, 2.0),
        (rng.random(9) < 0.5).astype(f64), reduction="mean")

    # ---- cross-entropy with class indices: every option combination ----
    n, c = 7, 5
    wc = uniform((c,), f64, 0.2, 2.0)
    for wname, w in [("now", None), ("w", wc)]:
        for ig in [-100, 2]:
            for ls in [0.0, 0.15]:
                for r in REDUCTIONS:
                    x = normal((n, c), f64, 2.0)
                    t = rng.integers(0, c, size=n)
                    t[1] = 2
                    t[4] = 2
                    add(f"ce_{wname}_ig{ig if ig >= 0 else 'none'}_ls{ls}_{r}", "cross_entropy", x, t, weight=w,
                        ignore_index=ig, label_smoothing=ls, reduction=r)
    # spatial dims [N, C, d1, d2]
    for wname, w in [("now", None), ("w", wc)]:
        for ls in [0.0, 0.2]:
            for r in REDUCTIONS:
                x = normal((3, c, 2, 4), f64, 2.0)
                t = rng.integers(0, c, size=(3, 2, 4))
                t[0, 1, 1] = 1
                add(f"ce_spatial_{wname}_ls{ls}_{r}", "cross_entropy", x, t, weight=w, ignore_index=1,
                    label_smoothing=ls, reduction=r)
    # unbatched [C] with a 0-d target
    for r in REDUCTIONS:
        add(f"ce_unbatched_{r}", "cross_entropy", normal((c,), f64), np.array(3), reduction=r)
    # every target ignored: mean is 0/0 = NaN in PyTorch
    add("ce_all_ignored_sum", "cross_entropy", normal((3, c), f64), np.array([-100, -100, -100]), reduction="sum")
    add("ce_all_ignored_mean", "cross_entropy", normal((3, c), f64), np.array([-100, -100, -100]), reduction="mean")
    # large logits: log_softmax stays finite
    add("ce_large_logits", "cross_entropy", normal((4, c), f64, 300.0), rng.integers(0, c, size=4),
        label_smoothing=0.1, reduction="mean")

    # ---- cross-entropy with probability targets (soft targets) ----
    def probs(shape, axis):
        p = rng.random(shape)
        return p / p.sum(axis=axis, keepdims=True)

    for wname, w in [("now", None), ("w", wc)]:
        for ls in [0.0, 0.2]:
            for r in REDUCTIONS:
                add(f"ceprob_{wname}_ls{ls}_{r}", "cross_entropy", normal((n, c), f64, 2.0), probs((n, c), 1),
                    weight=w, label_smoothing=ls, reduction=r)
    for r in REDUCTIONS:
        add(f"ceprob_spatial_{r}", "cross_entropy", normal((2, c, 3), f64), probs((2, c, 3), 1), weight=wc,
            reduction=r)
        add(f"ceprob_unbatched_{r}", "cross_entropy", normal((c,), f64), probs((c,), 0), reduction=r)

    # ---- nll_loss ----
    for wname, w in [("now", None), ("w", wc)]:
        for ig in [-100, 0]:
            for r in REDUCTIONS:
                x = np.log(probs((n, c), 1))
                t = rng.integers(0, c, size=n)
                t[2] = 0
                add(f"nll_{wname}_ig{ig if ig >= 0 else 'none'}_{r}", "nll_loss", x, t, weight=w, ignore_index=ig,
                    reduction=r)
    for r in REDUCTIONS:
        add(f"nll_spatial_{r}", "nll_loss", np.log(probs((2, c, 3), 1)), rng.integers(0, c, size=(2, 3)),
            weight=wc, reduction=r)
        add(f"nll_unbatched_{r}", "nll_loss", np.log(probs((c,), 0)), np.array(1), reduction=r)

    # ---- kl_div ----
    for lt in [False, True]:
        for r in REDUCTIONS + ["batchmean"]:
            x = np.log(probs((4, c), 1))
            t = probs((4, c), 1)
            add(f"kl_lt{int(lt)}_{r}", "kl_div", x, np.log(t) if lt else t, reduction=r, log_target=lt)
    # 0 log 0 = 0. PyTorch's target gradient there is NaN (xlogy's); wick's is
    # finite (see loss.cpp), so only the value and the input gradient are compared.
    for r in REDUCTIONS + ["batchmean"]:
        t = probs((4, c), 1)
        t[0, 1] = 0.0
        t[2, 3] = 0.0
        add(f"kl_zero_target_{r}", "kl_div", np.log(probs((4, c), 1)), t, reduction=r, target_grad=False)

    # ---- float32 spot checks ----
    add("f32_mse_mean", "mse_loss", normal((8, 3), f32), normal((8, 3), f32), dtype="float32", reduction="mean")
    add("f32_l1_sum", "l1_loss", normal((8, 3), f32), normal((8, 3), f32), dtype="float32", reduction="sum")
    add("f32_huber_mean", "huber_loss", normal((8, 3), f32, 2.0), normal((8, 3), f32), dtype="float32",
        reduction="mean", delta=0.7)
    add("f32_bce_mean", "binary_cross_entropy", uniform((8, 3), f32, 0.05, 0.95), uniform((8, 3), f32, 0, 1),
        dtype="float32", reduction="mean")
    add("f32_bcel_pw_mean", "binary_cross_entropy_with_logits", normal((8, 3), f32, 2.0),
        (rng.random((8, 3)) < 0.5).astype(f32), dtype="float32", pos_weight=uniform((3,), f32, 0.5, 3.0),
        reduction="mean")
    add("f32_ce_mean", "cross_entropy", normal((128, 10), f32, 3.0), rng.integers(0, 10, size=128),
        dtype="float32", reduction="mean")
    add("f32_ce_w_ls_mean", "cross_entropy", normal((16, 10), f32, 3.0), rng.integers(0, 10, size=16),
        dtype="float32", weight=uniform((10,), f32, 0.5, 2.0), label_smoothing=0.1, reduction="mean")
    add("f32_ceprob_mean", "cross_entropy", normal((16, 10), f32), probs((16, 10), 1).astype(f32), dtype="float32",
        reduction="mean")
    add("f32_kl_batchmean", "kl_div", np.log(probs((4, 6), 1)).astype(f32), probs((4, 6), 1).astype(f32),
        dtype="float32", reduction="batchmean")

    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} cases written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
