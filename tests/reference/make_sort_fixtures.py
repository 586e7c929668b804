#!/usr/bin/python3
"""Generates the PyTorch 1.13 reference fixtures of sort, argsort, topk,
cumsum, cumprod, any, all, amax, amin, count_nonzero and linalg.vector_norm
for tests/core/sort_test.cpp, tests/core/cumulative_test.cpp and
tests/core/reduce_more_test.cpp.

Inputs come from a fixed NumPy seed; every expected value is computed by
PyTorch (never by wick) and saved under tests/data/sort/:

  manifest.txt        one case a line: `name op key=value ...`
  <name>.in.npy       the input (the base tensor when the case has a view)
  <name>.out<i>.npy   output i (values, indices)
  <name>.w.npy        with grad=1: weights w of output 0's shape
  <name>.grad.npy     with grad=1: d sum(w * out0) / d input (of the base)

Keys: dim / dims / keepdim / descending / k / largest / p as the op takes
them; view=t (transpose dims 0 and 1) or view=step (every other row of dim 0)
makes the op's input a non-contiguous view of the saved base; ties=1 marks a
topk whose tie order PyTorch leaves unspecified (the test checks values, and
that the indices point at them, but not which tied index comes first).

sort's reference is torch.sort(stable=True): wick's sort is always stable.

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_sort_fixtures.py
"""
import math
import os
import shutil

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "sort")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
rng = np.random.default_rng(20261128)
NAN, INF = float("nan"), float("inf")
lines = []


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    # np.array, not np.ascontiguousarray: that one turns a 0-d result into shape (1,).
    np.save(os.path.join(OUT, name + ".npy"), np.array(arr, order="C"))


def apply_view(t, view):
    if view == "t":
        return t.transpose(0, 1)
    if view == "step":
        return t[::2]
    return t


def fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (tuple, list)):
        return ",".join(str(d) for d in v) if v else "all"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return str(v)


def case(name, op, x, fn, grad=False, view=None, **args):
    """fn(tensor) -> tensor or tuple of tensors, with PyTorch."""
    base = torch.from_numpy(np.array(x))
    if grad:
        base.requires_grad_(True)
    outs = fn(apply_view(base, view))
    outs = outs if isinstance(outs, tuple) else (outs,)
    save(name + ".in", base)
    for i, o in enumerate(outs):
        save(f"{name}.out{i}", o)
    keys = dict(args)
    if view:
        keys["view"] = view
    if grad:
        w = torch.from_numpy(rng.normal(size=tuple(outs[0].shape)).astype(np.float64))
        (outs[0] * w).sum().backward()
        save(name + ".w", w)
        save(name + ".grad", base.grad)
        keys["grad"] = True
    lines.append(" ".join([name, op] + [f"{k}={fmt(v)}" for k, v in keys.items()]))


def floats(shape, dt, specials=()):
    x = rng.normal(0, 2, size=shape).astype(dt)
    x.reshape(-1)[:len(specials)] = specials
    rng.shuffle(x.reshape(-1))
    return x


def ints(shape, lo=-4, hi=5):
    return rng.integers(lo, hi, size=shape).astype(np.int64)


# ---------------- sort / argsort ----------------
DTS = (("f32", np.float32), ("f64", np.float64))
for tag, dt in DTS:
    for dim in (0, 1, -1):
        for desc in (False, True):
            x = floats((5, 7), dt, [NAN, NAN, INF, -INF, 0.0, -0.0, 1.5, 1.5, 1.5])
            case(f"sort_{tag}_d{dim}_{int(desc)}", "sort", x,
                 lambda t, dim=dim, desc=desc: tuple(torch.sort(t, dim=dim, descending=desc, stable=True)),
                 dim=dim, descending=desc)
    x = floats((4, 6, 5), dt, [NAN, 2.0, 2.0, 2.0, -1.0, -1.0])
    case(f"sort_{tag}_3d_d1", "sort", x, lambda t: tuple(torch.sort(t, dim=1, stable=True)), dim=1, descending=False)
    case(f"sort_{tag}_view_t", "sort", floats((6, 9), dt, [3.0, 3.0]),
         lambda t: tuple(torch.sort(t, dim=1, descending=True, stable=True)), view="t", dim=1, descending=True)
    case(f"sort_{tag}_view_step", "sort", floats((8, 5), dt),
         lambda t: tuple(torch.sort(t, dim=0, stable=True)), view="step", dim=0, descending=False)
for desc in (False, True):
    case(f"sort_i64_{int(desc)}", "sort", ints((6, 11)),
         lambda t, desc=desc: tuple(torch.sort(t, dim=1, descending=desc, stable=True)), dim=1, descending=desc)
    case(f"sort_bool_{int(desc)}", "sort", ints((3, 9), 0, 2).astype(bool),
         lambda t, desc=desc: tuple(torch.sort(t, dim=-1, descending=desc, stable=True)), dim=-1, descending=desc)
    case(f"argsort_f32_{int(desc)}", "argsort", floats((4, 8), np.float32, [NAN, 0.5, 0.5]),
         lambda t, desc=desc: torch.argsort(t, dim=1, descending=desc), dim=1, descending=desc)
case("argsort_i64_d0", "argsort", ints((9, 3)), lambda t: torch.sort(t, dim=0, stable=True)[1], dim=0, descending=False)
case("sort_empty", "sort", np.zeros((3, 0), np.float32), lambda t: tuple(torch.sort(t, dim=1)), dim=1, descending=False)
case("sort_empty_other", "sort", np.zeros((0, 4), np.float64), lambda t: tuple(torch.sort(t, dim=1)), dim=1,
     descending=False)
case("sort_0d", "sort", np.array(2.5, np.float64), lambda t: tuple(torch.sort(t)), dim=0, descending=False)
case("sort_long", "sort", floats((3, 1000), np.float32), lambda t: tuple(torch.sort(t, dim=1, stable=True)), dim=1,
     descending=False)
# Many lines: the CPU kernel splits them between threads.
case("sort_many_rows", "sort", ints((500, 50), -20, 20).astype(np.float32),
     lambda t: tuple(torch.sort(t, dim=1, descending=True, stable=True)), dim=1, descending=True)
case("sort_many_cols", "sort", floats((40, 400), np.float64), lambda t: tuple(torch.sort(t, dim=0, stable=True)),
     dim=0, descending=False)
case("sort_grad", "sort", floats((4, 6), np.float64), lambda t: tuple(torch.sort(t, dim=0, descending=True)),
     grad=True, dim=0, descending=True)
case("sort_grad_view", "sort", floats((5, 6), np.float64), lambda t: tuple(torch.sort(t, dim=1)), grad=True,
     view="t", dim=1, descending=False)

# ---------------- topk ----------------
for tag, dt in DTS:
    for largest in (True, False):
        x = rng.permutation(60).astype(dt).reshape(6, 10) / 7  # distinct values: indices are unique
        for k in (0, 1, 3, 10):
            case(f"topk_{tag}_k{k}_{int(largest)}", "topk", x,
                 lambda t, k=k, largest=largest: tuple(torch.topk(t, k, dim=1, largest=largest)),
                 k=k, dim=1, largest=largest)
        case(f"topk_{tag}_d0_{int(largest)}", "topk", x,
             lambda t, largest=largest: tuple(torch.topk(t, 4, dim=0, largest=largest)), k=4, dim=0, largest=largest)
    case(f"topk_{tag}_nan", "topk", np.array([[1.0, NAN, 3.0, -INF, INF, 2.0]], dt),
         lambda t: tuple(torch.topk(t, 3)), k=3, dim=-1, largest=True)
    case(f"topk_{tag}_nan_smallest", "topk", np.array([[1.0, NAN, 3.0, -INF, INF, 2.0]], dt),
         lambda t: tuple(torch.topk(t, 6, largest=False)), k=6, dim=-1, largest=False)
    case(f"topk_{tag}_ties", "topk", np.array([[1.0, 3.0, 3.0, 2.0, 3.0, NAN, 0.0, 3.0]], dt),
         lambda t: tuple(torch.topk(t, 5)), k=5, dim=1, largest=True, ties=True)
case("topk_i64", "topk", rng.permutation(40).reshape(5, 8).astype(np.int64) - 20,
     lambda t: tuple(torch.topk(t, 3, dim=1)), k=3, dim=1, largest=True)
case("topk_i64_ties", "topk", ints((5, 8)), lambda t: tuple(torch.topk(t, 3, dim=1)), k=3, dim=1, largest=True,
     ties=True)
case("topk_view", "topk", rng.permutation(42).reshape(6, 7).astype(np.float32),
     lambda t: tuple(torch.topk(t, 2, dim=1)), view="t", k=2, dim=1, largest=True)
case("topk_grad", "topk", rng.permutation(30).reshape(5, 6).astype(np.float64) / 3,
     lambda t: tuple(torch.topk(t, 2, dim=1)), grad=True, k=2, dim=1, largest=True)
case("topk_grad_k0", "topk", floats((3, 4), np.float64), lambda t: tuple(torch.topk(t, 0, dim=0)), grad=True, k=0,
     dim=0, largest=True)

# ---------------- cumsum / cumprod ----------------
for tag, dt in DTS:
    for dim in (0, 1):
        case(f"cumsum_{tag}_d{dim}", "cumsum", floats((5, 6), dt, [NAN]), lambda t, dim=dim: torch.cumsum(t, dim),
             dim=dim)
        case(f"cumprod_{tag}_d{dim}", "cumprod", floats((5, 6), dt, [0.0]), lambda t, dim=dim: torch.cumprod(t, dim),
             dim=dim)
    case(f"cumsum_{tag}_view", "cumsum", floats((6, 7), dt), lambda t: torch.cumsum(t, -1), view="t", dim=-1)
    case(f"cumprod_{tag}_view", "cumprod", floats((8, 3), dt), lambda t: torch.cumprod(t, 0), view="step", dim=0)
case("cumsum_f32_long", "cumsum", rng.uniform(0, 1, size=(2, 5000)).astype(np.float32),
     lambda t: torch.cumsum(t, 1), dim=1)
case("cumsum_many_rows", "cumsum", floats((300, 200), np.float32), lambda t: torch.cumsum(t, 1), dim=1)
case("cumprod_many_cols", "cumprod", rng.uniform(0.9, 1.1, size=(200, 300)), lambda t: torch.cumprod(t, 0), dim=0)
case("cumsum_i64", "cumsum", ints((4, 5)), lambda t: torch.cumsum(t, 1), dim=1)
case("cumprod_i64", "cumprod", ints((4, 5)), lambda t: torch.cumprod(t, 1), dim=1)
case("cumsum_bool", "cumsum", ints((3, 7), 0, 2).astype(bool), lambda t: torch.cumsum(t, 1), dim=1)
case("cumprod_u8", "cumprod", ints((3, 4), 1, 5).astype(np.uint8), lambda t: torch.cumprod(t, 1), dim=1)
case("cumsum_3d", "cumsum", floats((3, 4, 5), np.float64), lambda t: torch.cumsum(t, 1), dim=1)
case("cumsum_empty", "cumsum", np.zeros((0, 3), np.float32), lambda t: torch.cumsum(t, 0), dim=0)
case("cumsum_0d", "cumsum", np.array(4.0, np.float64), lambda t: torch.cumsum(t, 0), dim=0)
case("cumsum_grad", "cumsum", floats((4, 5), np.float64), lambda t: torch.cumsum(t, 1), grad=True, dim=1)
case("cumsum_grad_view", "cumsum", floats((4, 5), np.float64), lambda t: torch.cumsum(t, 0), grad=True, view="t",
     dim=0)
case("cumprod_grad", "cumprod", floats((4, 5), np.float64), lambda t: torch.cumprod(t, 1), grad=True, dim=1)
# Zeros: one, two, at the start and the end of a line, and a line of zeros.
zx = floats((6, 5), np.float64)
zx[0, 2] = 0
zx[1, 1] = zx[1, 3] = 0
zx[2, 0] = 0
zx[3, 4] = 0
zx[4, :] = 0
case("cumprod_grad_zeros", "cumprod", zx, lambda t: torch.cumprod(t, 1), grad=True, dim=1)
case("cumprod_grad_zeros_d0", "cumprod", zx.T.copy(), lambda t: torch.cumprod(t, 0), grad=True, dim=0)

# ---------------- any / all / count_nonzero ----------------
tx = ints((4, 5), -1, 2)
for name, x in (("f32", np.where(tx == 1, NAN, tx).astype(np.float32)), ("i64", tx), ("bool", tx != 0),
                ("u8", (tx + 1).astype(np.uint8))):
    case(f"any_{name}", "any", x, lambda t: torch.any(t))
    case(f"all_{name}", "all", x, lambda t: torch.all(t))
    case(f"any_{name}_d1", "any", x, lambda t: torch.any(t, 1), dim=1, keepdim=False)
    case(f"all_{name}_d0k", "all", x, lambda t: torch.all(t, 0, keepdim=True), dim=0, keepdim=True)
    case(f"count_nonzero_{name}", "count_nonzero", x, lambda t: torch.count_nonzero(t))
    case(f"count_nonzero_{name}_d1", "count_nonzero", x, lambda t: torch.count_nonzero(t, 1), dims=(1,))
case("all_ones_bool", "all", np.ones((3, 2), bool), lambda t: torch.all(t))
case("any_empty", "any", np.zeros((0, 3), np.float32), lambda t: torch.any(t))
case("all_empty", "all", np.zeros((0, 3), np.float32), lambda t: torch.all(t))
case("all_empty_d0", "all", np.zeros((0, 3), np.int64), lambda t: torch.all(t, 0), dim=0, keepdim=False)
case("any_view", "any", ints((6, 4), 0, 2) * (np.arange(4) < 2), lambda t: torch.any(t, 1), view="t", dim=1,
     keepdim=False)
case("count_nonzero_3d", "count_nonzero", ints((3, 4, 5), -1, 2), lambda t: torch.count_nonzero(t, (0, 2)),
     dims=(0, 2))

# ---------------- amax / amin ----------------
for tag, dt in DTS:
    x = floats((4, 5, 3), dt)
    for dims, keep in (((), False), ((1,), False), ((0, 2), True), ((-1,), True)):
        dn = "".join(str(d % 3) for d in dims) or "all"
        case(f"amax_{tag}_{dn}_{int(keep)}", "amax", x, lambda t, dims=dims, keep=keep: torch.amax(t, dims, keep),
             dims=dims, keepdim=keep)
        case(f"amin_{tag}_{dn}_{int(keep)}", "amin", x, lambda t, dims=dims, keep=keep: torch.amin(t, dims, keep),
             dims=dims, keepdim=keep)
    case(f"amax_{tag}_nan", "amax", np.array([[1.0, NAN, 3.0], [2.0, 5.0, -INF]], dt), lambda t: torch.amax(t, 1),
         dims=(1,), keepdim=False)
case("amax_i64", "amax", ints((3, 6)), lambda t: torch.amax(t, 0), dims=(0,), keepdim=False)
case("amin_bool", "amin", ints((3, 6), 0, 2).astype(bool), lambda t: torch.amin(t, 1), dims=(1,), keepdim=False)
case("amax_view", "amax", floats((5, 4), np.float32), lambda t: torch.amax(t, 1), view="t", dims=(1,), keepdim=False)
# Ties: the gradient is shared evenly between them.
tie = np.array([[3.0, 1.0, 3.0, 3.0], [2.0, 2.0, -1.0, 0.5], [-4.0, -4.0, -4.0, -4.0]])
case("amax_grad_ties", "amax", tie, lambda t: torch.amax(t, 1), grad=True, dims=(1,), keepdim=False)
case("amin_grad_ties", "amin", tie, lambda t: torch.amin(t, (0, 1), True), grad=True, dims=(0, 1), keepdim=True)
case("amax_grad_all", "amax", tie, lambda t: torch.amax(t), grad=True, dims=(), keepdim=False)
case("amin_grad_view", "amin", floats((4, 6), np.float64), lambda t: torch.amin(t, 0), grad=True, view="t",
     dims=(0,), keepdim=False)

# ---------------- norm (torch.linalg.vector_norm) ----------------
for tag, dt in DTS:
    x = floats((4, 6), dt, [0.0])
    for p in (2.0, 1.0, INF, -INF, 3.0, 0.5, 0.0):
        for dims, keep in (((), False), ((1,), True), ((0,), False)):
            dn = "".join(str(d) for d in dims) or "all"
            case(f"norm_{tag}_p{p}_{dn}_{int(keep)}", "norm", x,
                 lambda t, p=p, dims=dims, keep=keep: torch.linalg.vector_norm(t, p, dims or None, keep),
                 p=p, dims=dims, keepdim=keep)
case("norm_empty", "norm", np.zeros((0, 3), np.float32), lambda t: torch.linalg.vector_norm(t), p=2.0, dims=(),
     keepdim=False)
case("norm_view", "norm", floats((5, 4), np.float64), lambda t: torch.linalg.vector_norm(t, 2, 1), view="t", p=2.0,
     dims=(1,), keepdim=False)
nx = floats((4, 5), np.float64)
nx[1, :] = 0  # a zero row: the gradient there is 0, not NaN
nx[2, 3] = 0
nx[0, 1] = nx[0, 2] = -nx[0, 0]  # ties of |x| for the inf norms
for p in (2.0, 1.0, INF, -INF, 3.0, 1.5, 0.5):
    case(f"norm_grad_p{p}", "norm", nx, lambda t, p=p: torch.linalg.vector_norm(t, p, 1), grad=True, p=p, dims=(1,),
         keepdim=False)
case("norm_grad_all_zero", "norm", np.zeros((2, 3)), lambda t: torch.linalg.vector_norm(t), grad=True, p=2.0,
     dims=(), keepdim=False)

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("# Generated by tests/reference/make_sort_fixtures.py (PyTorch %s); do not edit.\n" % torch.__version__)
    f.write("".join(line + "\n" for line in lines))
print("wrote", len(lines), "cases to", os.path.normpath(OUT))
