#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of tests/nn/layers_conv_test.cpp
(and layers_pool_options_test.cpp, layers_conv_groups_test.cpp, layers_adaptive_pool_test.cpp).

Inputs come from a fixed NumPy seed; every expected value is computed by
PyTorch 1.13 (never by wick) and saved as .npy under tests/data/conv/. Each
case <name> has:

  <name>.args   int64 [kh, kw, sh, sw, ph, pw, dh, dw]: kernel, stride,
                padding, dilation, so the C++ test reads the call from the
                fixture instead of repeating it (one source of truth)
  <name>.x      the input (float64, or float32 for the *_f32 cases)
  <name>.w      conv only: the weight;  <name>.b  the bias (absent: no bias)
  <name>.y      the output
  <name>.gy     a fixed upstream gradient of y's shape
  <name>.dx     d(sum(y * gy))/dx;  conv also .dw and (with a bias) .db
  <name>.opts   pools with options other than PyTorch's defaults only: int64
                [ceil_mode, count_include_pad, divisor_override or 0]
  <name>.convopts  conv with groups != 1 or a padding string only: int64
                [groups, padding: 0 the numbers in .args, 1 "same", 2 "valid"]
                (.args then holds padding 0, 0 for the strings)
  <name>.repr   with .convopts: repr() of nn.Conv2d built with the same
                arguments (in_channels from x, bias as the case), as uint8
                UTF-8 bytes
  <name>.osize  adaptive pools (apool_*) only, instead of .args: int64
                [h, w, one], the output size (-1 for None; one = 1 when
                given as one int); their .repr is the pool module's

The C++ test lists the case names; a case it names but this script did not
write fails there as a missing file.

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_conv_fixtures.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "conv")
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):  # stale cases from an older version of this script
    if f.endswith(".npy"):
        os.remove(os.path.join(OUT, f))
rng = np.random.default_rng(20240701)


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(arr))


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def save_args(name, kernel, stride, padding, dilation):
    save(name + ".args", np.array(pair(kernel) + pair(stride) + pair(padding) + pair(dilation), dtype=np.int64))


def run(name, fn, x, params=()):
    """y = fn(x, *params); saves y and the gradients of sum(y * gy)."""
    xt = torch.from_numpy(x).requires_grad_(True)
    pts = [torch.from_numpy(p).requires_grad_(True) for p in params]
    y = fn(xt, *pts)
    gy = rng.normal(0, 1, tuple(y.shape)).astype(x.dtype)
    y.backward(torch.from_numpy(gy))
    save(name + ".x", x)
    save(name + ".y", y)
    save(name + ".gy", gy)
    save(name + ".dx", xt.grad)
    return pts


def normal(shape, dtype=np.float64):
    return rng.normal(0, 1, shape).astype(dtype)


# ---- unfold (im2col) ----
def unfold_case(name, shape, kernel, dilation=1, padding=0, stride=1, dtype=np.float64):
    save_args(name, kernel, stride, padding, dilation)
    run(name, lambda t: F.unfold(t, kernel, dilation=dilation, padding=padding, stride=stride), normal(shape, dtype))


unfold_case("unfold_k3", (2, 3, 5, 6), 3)
# all four at once, every one non-square or non-unit
unfold_case("unfold_k23_s21_d2_p1", (2, 2, 5, 6), (2, 3), dilation=2, padding=1, stride=(2, 1))
# overlapping windows with padding: backward must add the overlaps
unfold_case("unfold_k3_p1_s1", (1, 2, 4, 5), 3, padding=1)
unfold_case("unfold_k32_d12_p01_s12", (2, 2, 6, 7), (3, 2), dilation=(1, 2), padding=(0, 1), stride=(1, 2))
unfold_case("unfold_unbatched", (3, 4, 5), 2, stride=(1, 2))
unfold_case("unfold_f32", (2, 3, 5, 5), 2, padding=1, stride=2, dtype=np.float32)


# ---- conv2d: forward and all three gradients ----
PADDING_MODES = {"same": 1, "valid": 2}


def conv_case(name, xshape, wshape, bias=True, stride=1, padding=0, dilation=1, dtype=np.float64, groups=1):
    named = isinstance(padding, str)
    save_args(name, wshape[2:], stride, 0 if named else padding, dilation)
    if groups != 1 or named:  # the cases before groups and "same" keep their files as they were
        save(name + ".convopts", np.array([groups, PADDING_MODES[padding] if named else 0], dtype=np.int64))
        m = torch.nn.Conv2d(xshape[-3], wshape[0], tuple(wshape[2:]), stride=stride, padding=padding,
                            dilation=dilation, groups=groups, bias=bias)
        save(name + ".repr", np.frombuffer(repr(m).encode(), dtype=np.uint8))
    w = normal(wshape, dtype)
    params = [w] + ([normal(wshape[:1], dtype)] if bias else [])

    def fn(t, wt, bt=None):
        return F.conv2d(t, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)

    pts = run(name, fn, normal(xshape, dtype), params)
    save(name + ".w", w)
    save(name + ".dw", pts[0].grad)
    if bias:
        save(name + ".b", params[1])
        save(name + ".db", pts[1].grad)


conv_case("conv_k3_p1", (2, 3, 6, 7), (4, 3, 3, 3), padding=1)
conv_case("conv_k5_s2", (2, 2, 9, 8), (3, 2, 5, 5), stride=2)
conv_case("conv_k23_d21_p10", (2, 3, 7, 6), (2, 3, 2, 3), dilation=(2, 1), padding=(1, 0))
conv_case("conv_nobias", (2, 3, 5, 6), (4, 3, 3, 3), bias=False, stride=(1, 2), padding=(0, 1))
conv_case("conv_k1", (2, 5, 4, 3), (6, 5, 1, 1))
conv_case("conv_unbatched", (3, 5, 6), (2, 3, 3, 3), padding=1)
conv_case("conv_f32", (2, 3, 8, 8), (4, 3, 3, 3), stride=2, padding=1, dtype=np.float32)


# ---- max_pool2d / avg_pool2d: forward and input gradient ----
def pool_case(name, op, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    s = kernel if stride is None else stride
    save_args(name, kernel, s, padding, dilation)
    if ceil_mode or not count_include_pad or divisor_override is not None:
        save(name + ".opts", np.array([ceil_mode, count_include_pad, divisor_override or 0], dtype=np.int64))
    if op == "max":
        assert count_include_pad and divisor_override is None
        fn = lambda t: F.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode)  # noqa: E731
    else:
        assert dilation == 1
        fn = lambda t: F.avg_pool2d(t, kernel, stride, padding, ceil_mode, count_include_pad,  # noqa: E731
                                    divisor_override)
    run(name, fn, x)


pool_case("maxpool_k2", "max", normal((2, 3, 6, 8)), 2)
pool_case("maxpool_k3_s2_p1", "max", normal((2, 2, 7, 7)), 3, 2, 1)
# Small integers: most windows hold ties. PyTorch sends the gradient to the
# first maximum in (row, column) order; overlapping windows (stride 1) make a
# wrong choice show up as gradient piled on the wrong element.
ties = rng.integers(0, 3, (2, 2, 6, 6)).astype(np.float64)
pool_case("maxpool_ties_k2", "max", ties, 2)
pool_case("maxpool_ties_k3_s1", "max", ties, 3, 1)
# all-equal negative windows next to the -inf padding: the first real element wins
neg = -np.ones((1, 1, 4, 5)) - rng.integers(0, 2, (1, 1, 4, 5))
pool_case("maxpool_ties_neg_p1", "max", neg, 3, 2, 1)
# a NaN wins its windows and takes their gradient, as in PyTorch
nan = normal((1, 2, 4, 6))
nan[0, 1, 2, 3] = np.nan
pool_case("maxpool_nan", "max", nan, 2, 1)
# windows of only -inf (some next to the padding): PyTorch still picks the
# first element inside the image and sends it the gradient
neginf = np.full((1, 2, 3, 4), -np.inf)
neginf[0, 0, 2, 3] = 1.0
neginf[0, 1, 1, 1:3] = [-np.inf, 2.0]
pool_case("maxpool_neginf_p1", "max", neginf, 3, 2, 1)
pool_case("maxpool_d2", "max", normal((2, 2, 7, 8)), 2, 1, 0, 2)
pool_case("maxpool_k23_s12_d2_p1", "max", normal((1, 2, 7, 9)), (2, 3), (1, 2), 1, (2, 1))
pool_case("maxpool_unbatched", "max", normal((3, 5, 6)), 2)
pool_case("maxpool_f32", "max", normal((2, 3, 6, 6), np.float32), 3, 2, 1)
pool_case("avgpool_k2", "avg", normal((2, 3, 6, 8)), 2)
# padding counted in the divisor (count_include_pad=True)
pool_case("avgpool_k3_s2_p1", "avg", normal((2, 2, 7, 7)), 3, 2, 1)
pool_case("avgpool_k23_s12", "avg", normal((1, 2, 5, 7)), (2, 3), (1, 2))
pool_case("avgpool_unbatched", "avg", normal((2, 5, 4)), 2, 1)
pool_case("avgpool_f32", "avg", normal((2, 3, 6, 6), np.float32), 2)

# ---- the pools' options (after every case above, so their inputs stay as they were) ----
# ceil_mode: the last window hangs over the edge (odd sizes; the float32 case
# passes the vectorized 2x2 kernel's size guard)
pool_case("maxpool_ceil_k2", "max", normal((2, 2, 5, 7)), 2, ceil_mode=True)
pool_case("maxpool_ceil_k3_s2_p1", "max", normal((1, 2, 6, 8)), 3, 2, 1, ceil_mode=True)
pool_case("maxpool_ceil_k2_s2_d2", "max", normal((1, 2, 6, 7)), 2, 2, 0, 2, ceil_mode=True)
pool_case("maxpool_ceil_f32", "max", normal((2, 3, 5, 9), np.float32), 2, ceil_mode=True)
# the rule that drops a last window starting in the right padding: (5 + 2 -
# 2) / 2 rounds up to 3 (4 positions), but the fourth would start at row 5
pool_case("maxpool_ceil_dropped", "max", normal((1, 1, 5, 5)), 2, 2, 1, ceil_mode=True)
pool_case("avgpool_ceil_k2", "avg", normal((2, 2, 5, 7)), 2, ceil_mode=True)
pool_case("avgpool_ceil_k3_s2_p1", "avg", normal((1, 2, 6, 8)), 3, 2, 1, ceil_mode=True)
pool_case("avgpool_nopad_k3_s1_p1", "avg", normal((1, 2, 5, 6)), 3, 1, 1, count_include_pad=False)
pool_case("avgpool_ceil_nopad_k3_s2_p1", "avg", normal((2, 1, 6, 7)), 3, 2, 1, ceil_mode=True,
          count_include_pad=False)
pool_case("avgpool_divisor3_k2_p1", "avg", normal((1, 2, 4, 5)), 2, 1, 1, divisor_override=3)
pool_case("avgpool_ceil_f32", "avg", normal((2, 3, 5, 5), np.float32), 2, ceil_mode=True)

# ---- conv2d groups and padding "same" / "valid" (after every case above, so their inputs stay as they were) ----
conv_case("conv_g2_p1", (2, 4, 6, 7), (6, 2, 3, 3), padding=1, groups=2)
conv_case("conv_depthwise", (2, 3, 7, 6), (3, 1, 3, 3), padding=1, groups=3)
# depthwise with a channel multiplier of 2, strided, no bias
conv_case("conv_depthwise_x2_s2_nobias", (2, 3, 7, 8), (6, 1, 3, 3), bias=False, stride=2, groups=3)
conv_case("conv_g2_k32_s21_p12_d21", (2, 4, 9, 8), (4, 2, 3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1),
          groups=2)
conv_case("conv_g3_k1_nobias", (1, 6, 4, 5), (3, 2, 1, 1), bias=False, groups=3)
conv_case("conv_g2_unbatched", (4, 5, 6), (2, 2, 3, 3), groups=2)
conv_case("conv_g2_f32", (2, 4, 8, 8), (8, 2, 3, 3), padding=1, groups=2, dtype=np.float32)
conv_case("conv_depthwise_f32", (2, 8, 7, 7), (8, 1, 3, 3), padding=1, groups=8, dtype=np.float32)
conv_case("conv_g4_s2_f32", (3, 8, 9, 9), (4, 2, 3, 3), stride=2, padding=1, groups=4, dtype=np.float32)
# "same": an even total (symmetric), odd totals (the extra row/column at the
# bottom/right), odd through dilation, a 2x2 kernel (top/left 0, bottom/right 1)
conv_case("conv_same_k3", (2, 3, 6, 7), (4, 3, 3, 3), padding="same")
conv_case("conv_same_k4", (2, 2, 6, 5), (3, 2, 4, 4), padding="same")
conv_case("conv_same_k23_d32", (2, 2, 7, 6), (3, 2, 2, 3), padding="same", dilation=(3, 2))
conv_case("conv_same_k2_unbatched_nobias", (3, 5, 6), (2, 3, 2, 2), bias=False, padding="same")
conv_case("conv_same_k43_g2", (2, 4, 6, 7), (4, 2, 4, 3), padding="same", groups=2)
conv_case("conv_same_k4_f32", (2, 3, 8, 9), (4, 3, 4, 2), padding="same", dtype=np.float32)
conv_case("conv_same_k34_d2_g2_f32", (2, 4, 9, 8), (6, 2, 3, 4), padding="same", dilation=2, groups=2,
          dtype=np.float32)
conv_case("conv_same_depthwise_k2_f32", (2, 4, 6, 6), (4, 1, 2, 2), padding="same", groups=4, dtype=np.float32)
conv_case("conv_valid", (2, 3, 6, 7), (4, 3, 3, 3), padding="valid")
conv_case("conv_valid_g2_s2_f32", (2, 4, 9, 8), (4, 2, 3, 3), padding="valid", stride=2, groups=2,
          dtype=np.float32)


# What PyTorch refuses, wick refuses too (tests/nn/layers_conv_groups_test.cpp
# checks wick's messages): asserted here so a newer PyTorch that accepts one
# shows up when the fixtures are regenerated.
def refuses(fn):
    try:
        fn()
    except (RuntimeError, ValueError):
        return
    raise AssertionError("PyTorch accepted a call the wick tests expect to be refused")


refuses(lambda: F.conv2d(torch.zeros(1, 5, 5, 5), torch.zeros(4, 2, 3, 3), groups=2))  # 5 channels, groups 2
refuses(lambda: F.conv2d(torch.zeros(1, 4, 5, 5), torch.zeros(3, 2, 3, 3), groups=2))  # 3 outputs, groups 2
refuses(lambda: torch.nn.Conv2d(5, 4, 3, groups=2))
refuses(lambda: torch.nn.Conv2d(4, 6, 3, groups=4))
refuses(lambda: torch.nn.Conv2d(4, 4, 3, groups=0))
refuses(lambda: F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=2, padding="same"))
refuses(lambda: torch.nn.Conv2d(1, 1, 3, stride=(1, 2), padding="same"))
refuses(lambda: torch.nn.Conv2d(1, 1, 3, padding="full"))
refuses(lambda: F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), padding="Same"))


# ---- adaptive_avg_pool2d / adaptive_max_pool2d (tests/nn/layers_adaptive_pool_test.cpp; after every
# case above, so their inputs stay as they were). Each case <name> has .x, .y, .gy, .dx as above, and
#   <name>.osize  int64 [h, w, one]: the output size, -1 for None; one = 1 when given as one int
#   <name>.repr   repr() of nn.AdaptiveAvgPool2d / nn.AdaptiveMaxPool2d with that output size (uint8)
def adaptive_windows(length, out):
    """PyTorch's rule: output i pools [floor(i L / O), ceil((i + 1) L / O))."""
    return [(i * length // out, -(-(i + 1) * length // out)) for i in range(out)]


def adaptive_reference(x, osize, op, last_max=False):
    """y and d(sum(y * gy))/dx-routing in NumPy, from the window rule alone: checks that the rule (and
    the tie rule) is PyTorch's. Returns y and, for max, each output's winning flat index per plane."""
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    oh, ow = osize[0] if osize[0] is not None else h, osize[1] if osize[1] is not None else w
    planes = x.reshape(-1, h * w)
    y = np.zeros((planes.shape[0], oh, ow), x.dtype)
    win = np.zeros((planes.shape[0], oh, ow), np.int64)
    for p in range(planes.shape[0]):
        for oy, (y0, y1) in enumerate(adaptive_windows(h, oh)):
            for ox, (x0, x1) in enumerate(adaptive_windows(w, ow)):
                idx = [r * w + c for r in range(y0, y1) for c in range(x0, x1)]
                if op == "avg":
                    y[p, oy, ox] = planes[p, idx].sum() / len(idx)
                    continue
                best, at = -np.inf, idx[0]  # PyTorch's scan: later wins when greater (or equal: last_max) or NaN
                for i in idx:
                    v = planes[p, i]
                    if v > best or np.isnan(v) or (last_max and v == best):
                        best, at = v, i
                y[p, oy, ox], win[p, oy, ox] = best, at
    return y.reshape(lead + (oh, ow)), win


def max_dx(x, win, gy):
    h, w = x.shape[-2:]
    dx = np.zeros((win.shape[0], h * w), x.dtype)
    g = gy.reshape(win.shape[0], -1)
    for p in range(win.shape[0]):
        for o, i in enumerate(win[p].reshape(-1)):
            dx[p, i] += g[p, o]
    return dx.reshape(x.shape)


def adaptive_case(name, op, x, osize, differs_from_last_max=False):
    one = not isinstance(osize, tuple)
    pair_ = (osize, osize) if one else osize
    save(name + ".osize", np.array([-1 if s is None else s for s in pair_] + [int(one)], dtype=np.int64))
    module = torch.nn.AdaptiveAvgPool2d(osize) if op == "avg" else torch.nn.AdaptiveMaxPool2d(osize)
    save(name + ".repr", np.frombuffer(repr(module).encode(), dtype=np.uint8))
    run(name, module, x)
    y, gy, dx = (np.load(os.path.join(OUT, name + s + ".npy")) for s in (".y", ".gy", ".dx"))
    ref, win = adaptive_reference(x, pair_, op)
    assert np.allclose(y, ref, rtol=1e-5, atol=1e-6, equal_nan=True), name + ": the window rule is not PyTorch's"
    if op == "max":
        assert np.array_equal(dx, max_dx(x, win, gy)), name + ": the tie/NaN rule is not PyTorch's"
        if differs_from_last_max:
            _, last = adaptive_reference(x, pair_, op, last_max=True)
            assert not np.array_equal(dx, max_dx(x, last, gy)), name + ": ties do not decide dx"


# sizes that divide and that do not (7 -> 3 overlaps: [0, 3), [2, 5), [4, 7)), more outputs than inputs
# (windows repeat), the global 1x1 pool (PyTorch's mean), None (a side kept), unbatched, float32
adaptive_case("apool_avg_7x5_to_3x2", "avg", normal((2, 3, 7, 5)), (3, 2))
adaptive_case("apool_avg_6x8_to_3x4", "avg", normal((1, 2, 6, 8)), (3, 4))
adaptive_case("apool_avg_5_to_7", "avg", normal((1, 2, 5, 5)), 7)
adaptive_case("apool_avg_10x3_to_3x5", "avg", normal((1, 2, 10, 3)), (3, 5))
adaptive_case("apool_avg_global", "avg", normal((2, 3, 6, 5)), (1, 1))
adaptive_case("apool_avg_none_w", "avg", normal((2, 2, 6, 9)), (None, 4))
adaptive_case("apool_avg_none_none", "avg", normal((1, 2, 3, 4)), (None, None))
adaptive_case("apool_avg_unbatched", "avg", normal((3, 7, 6)), (4, 3))
adaptive_case("apool_avg_f32", "avg", normal((2, 3, 9, 11), np.float32), (4, 5))
adaptive_case("apool_avg_global_f32", "avg", normal((2, 4, 7, 7), np.float32), 1)
adaptive_case("apool_max_7x5_to_3x2", "max", normal((2, 3, 7, 5)), (3, 2))
adaptive_case("apool_max_5_to_7", "max", normal((1, 2, 5, 5)), 7)
adaptive_case("apool_max_10x3_to_3x5", "max", normal((1, 2, 10, 3)), (3, 5))
adaptive_case("apool_max_global", "max", normal((2, 3, 6, 5)), (1, 1))
adaptive_case("apool_max_none_h", "max", normal((1, 2, 5, 8)), (3, None))
adaptive_case("apool_max_unbatched", "max", normal((3, 5, 6)), (2, 4))
adaptive_case("apool_max_f32", "max", normal((2, 3, 9, 11), np.float32), (4, 5))
# Small integers: windows hold several equal maxima, overlapping windows (7 -> 3, 6 -> 4) share them;
# PyTorch sends the gradient to the first in (row, column) order. Asserted above: a last-maximum rule
# gives another dx.
adaptive_case("apool_max_ties", "max", rng.integers(0, 3, (2, 2, 7, 6)).astype(np.float64), (3, 4), True)
adaptive_case("apool_max_ties_global_f32", "max", rng.integers(0, 2, (2, 3, 4, 5)).astype(np.float32), 1, True)
# One NaN, in the overlap of windows: it wins each of them and takes their gradient.
nan1 = normal((1, 2, 7, 5))
nan1[0, 1, 2, 2] = np.nan
adaptive_case("apool_max_nan", "max", nan1, (3, 2))
# Two NaNs in one window: PyTorch's CPU kernel sends the gradient to the last (a later NaN always
# replaces the best so far); wick's composed path sends it to the first (functional.h).
nan2 = normal((1, 1, 4, 4))
nan2[0, 0, 0, 1] = nan2[0, 0, 1, 0] = np.nan
adaptive_case("apool_max_nan2", "max", nan2, 1)
# -inf windows: the first pixel wins and takes the gradient (a last-maximum rule would not).
neginf = normal((1, 2, 4, 6))
neginf[0, 0] = -np.inf
neginf[0, 1, :2, :3] = -np.inf
adaptive_case("apool_max_neginf", "max", neginf, (2, 2), True)


def accepts(fn, shape):
    out = fn()
    assert tuple(out.shape) == shape, "PyTorch gave %s, the wick tests expect %s" % (tuple(out.shape), shape)


for f in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
    refuses(lambda: f(torch.zeros(1, 1, 4, 4), -1))  # negative output size
    refuses(lambda: f(torch.zeros(1, 1, 4, 4), (2, -1)))
    refuses(lambda: f(torch.zeros(4, 4), 2))  # rank 2
    refuses(lambda: f(torch.zeros(1, 1, 1, 4, 4), 2))  # rank 5
    refuses(lambda: f(torch.zeros(1, 1, 4, 4, dtype=torch.int64), 2))  # integer dtype
    refuses(lambda: f(torch.zeros(1, 1, 0, 4), 2))  # empty height
    refuses(lambda: f(torch.zeros(1, 1, 4, 0), 2))  # empty width
    refuses(lambda: f(torch.zeros(2, 0, 4), 2))  # unbatched, empty height
    accepts(lambda: f(torch.zeros(1, 1, 4, 4), 0), (1, 1, 0, 0))  # an output size of 0: empty
    accepts(lambda: f(torch.zeros(1, 1, 4, 4), (0, 2)), (1, 1, 0, 2))
    accepts(lambda: f(torch.zeros(0, 2, 4, 4), 2), (0, 2, 2, 2))  # empty batch
    accepts(lambda: f(torch.zeros(0, 4, 4), (2, 3)), (0, 2, 3))  # unbatched, no channels
    accepts(lambda: f(torch.zeros(1, 1, 5, 6), (None, 2)), (1, 1, 5, 2))
# PyTorch 1.13's two checks differ here: the max refuses a batch with no channels, the average does not.
refuses(lambda: F.adaptive_max_pool2d(torch.zeros(1, 0, 4, 4), 2))
accepts(lambda: F.adaptive_avg_pool2d(torch.zeros(1, 0, 4, 4), 2), (1, 0, 2, 2))

files = os.listdir(OUT)
print("wrote", len(files), "files,", sum(os.path.getsize(os.path.join(OUT, f)) for f in files), "bytes, to",
      os.path.normpath(OUT))
