#!/usr/bin/python3
"""Generates the forward-reference fixtures of tests/core/reference_test.cpp.

Every input is drawn from a fixed NumPy seed and every expected output is
computed by PyTorch (never by wick), then both are saved as .npy files under
tests/data/ops/. Two manifests list the cases:

  manifest.json  for people and tools;
  manifest.txt   what the C++ test reads: one case per line,
                 "<name> <op> in=<f,...> out=<f,...> rtol=<x> atol=<x> key=value ..."
                 (values never contain spaces; lists are comma separated;
                 "none" is an absent optional value).

A case may carry "view<i>=<spec>": input i is turned into a (non-contiguous)
view before the op, in both PyTorch and wick. Specs are chained with '+':
  transpose/d0/d1   permute/2x0x1   slice/dim/start/end/step   select/dim/i
  expand/3x4        reshape/2x100000
Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_op_fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "ops")

rng = np.random.default_rng(20240611)
torch.set_default_dtype(torch.float32)

cases = []
_saved = set()

F32 = np.float32
F64 = np.float64
# Tolerances: float32 results are compared at a few ulps of float32, float64
# results at a level no correct double implementation misses.
TOL = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}


def rnd(shape, dtype=F32, lo=-2.0, hi=2.0):
    return np.asarray(rng.random(shape) * (hi - lo) + lo).astype(dtype)


def ints(shape, lo=-5, hi=6):
    return rng.integers(lo, hi, size=shape, dtype=np.int64)


def bools(shape):
    return rng.random(shape) < 0.5


def save(fname, arr):
    path = os.path.join(OUT, fname)
    np.save(path, np.array(arr, order="C"))  # (ascontiguousarray would make 0-d arrays 1-d)
    _saved.add(fname)
    return fname


def apply_views(t, spec):
    """The same view specs the C++ test applies with wick's view methods."""
    for step in spec.split("+"):
        parts = step.split("/")
        kind, a = parts[0], parts[1:]
        lst = lambda s: [int(v) for v in s.split("x")]
        opt = lambda s: None if s == "none" else int(s)
        if kind == "transpose":
            t = t.transpose(int(a[0]), int(a[1]))
        elif kind == "permute":
            t = t.permute(*lst(a[0]))
        elif kind == "slice":
            dim, start, end, st = int(a[0]), opt(a[1]), opt(a[2]), int(a[3])
            idx = [slice(None)] * t.dim()
            idx[dim] = slice(start, end, st)
            t = t[tuple(idx)]
        elif kind == "select":
            t = t.select(int(a[0]), int(a[1]))
        elif kind == "expand":
            t = t.expand(*lst(a[0]))
        elif kind == "reshape":
            t = t.reshape(*lst(a[0]))
        else:
            raise ValueError(kind)
    return t


def fmt(v):
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return ",".join(fmt(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def case(name, op, inputs, fn, tol=None, **args):
    """inputs: list of numpy arrays (or file names already saved);
    fn(list of torch tensors) -> tensor or list of tensors."""
    in_files, tins = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, str):
            f = x
            arr = np.load(os.path.join(OUT, f))
        else:
            f = save(f"{name}.in{i}.npy", x)
            arr = np.asarray(x)
        in_files.append(f)
        t = torch.from_numpy(arr.copy())
        if f"view{i}" in args:
            t = apply_views(t, args[f"view{i}"])
        tins.append(t)
    outs = fn(tins)
    if isinstance(outs, torch.Tensor):
        outs = [outs]
    out_files = []
    for j, o in enumerate(outs):
        out_files.append(save(f"{name}.out{j}.npy", o.detach().contiguous().numpy()))
    if tol is None:
        kind = str(outs[0].dtype).replace("torch.", "") if outs else "float32"
        tol = TOL.get(kind, (0.0, 0.0))
    cases.append({"name": name, "op": op, "inputs": in_files, "outputs": out_files,
                  "rtol": tol[0], "atol": tol[1], "args": args})


# ---------------------------------------------------------------- elementwise
def elementwise():
    T = torch
    for dt, tag in ((F32, "f32"), (F64, "f64")):
        case(f"add_same_{tag}", "add", [rnd((3, 4), dt), rnd((3, 4), dt)], lambda x: x[0] + x[1])
        case(f"add_bcast_{tag}", "add", [rnd((3, 1, 5), dt), rnd((4, 5), dt)], lambda x: x[0] + x[1])
        case(f"sub_bcast_{tag}", "sub", [rnd((2, 3), dt), rnd((3,), dt)], lambda x: x[0] - x[1])
        case(f"mul_bcast_{tag}", "mul", [rnd((4, 1), dt), rnd((1, 6), dt)], lambda x: x[0] * x[1])
        case(f"div_bcast_{tag}", "div", [rnd((2, 3, 4), dt), rnd((3, 1), dt, 0.5, 2.0)], lambda x: x[0] / x[1])
        case(f"pow_tensor_{tag}", "pow", [rnd((3, 4), dt, 0.1, 3.0), rnd((4,), dt, -2.0, 2.0)],
             lambda x: T.pow(x[0], x[1]))
        case(f"maximum_{tag}", "maximum", [rnd((3, 4), dt), rnd((4,), dt)], lambda x: T.maximum(x[0], x[1]))
        case(f"minimum_{tag}", "minimum", [rnd((3, 4), dt), rnd((3, 1), dt)], lambda x: T.minimum(x[0], x[1]))
    case("add_alpha", "add", [rnd((3, 4)), rnd((4,))], lambda x: T.add(x[0], x[1], alpha=2.5), alpha=2.5)
    case("sub_alpha", "sub", [rnd((3, 4)), rnd((3, 4))], lambda x: T.sub(x[0], x[1], alpha=-0.5), alpha=-0.5)
    case("add_rank0", "add", [rnd((3, 4)), rnd(())], lambda x: x[0] + x[1])
    case("mul_into_empty", "mul", [rnd((0, 3)), rnd((3,))], lambda x: x[0] * x[1])
    case("add_5d_bcast", "add", [rnd((2, 1, 3, 1, 2)), rnd((4, 1, 5, 1))], lambda x: x[0] + x[1])
    # Type promotion (PyTorch's rules).
    case("add_i64_f32", "add", [ints((3, 4)), rnd((4,))], lambda x: x[0] + x[1])
    case("mul_f32_f64", "mul", [rnd((3, 4)), rnd((3, 4), F64)], lambda x: x[0] * x[1])
    case("add_i64_i64", "add", [ints((3, 4)), ints((3, 1))], lambda x: x[0] + x[1])
    case("mul_i64_i64", "mul", [ints((5,)), ints((5,))], lambda x: x[0] * x[1])
    case("sub_u8_i64", "sub", [rng.integers(0, 200, (2, 3)).astype(np.uint8), ints((3,))],
         lambda x: x[0] - x[1])
    case("add_bool_f32", "add", [bools((2, 3)), rnd((2, 3))], lambda x: x[0] + x[1])
    case("add_bool_i64", "add", [bools((2, 3)), ints((2, 3))], lambda x: x[0] + x[1])
    case("div_i64_i64", "div", [ints((3, 4), -20, 21), ints((3, 4), 1, 7)], lambda x: x[0] / x[1])
    case("add_i64_f64", "add", [ints((4,)), rnd((4,), F64)], lambda x: x[0] + x[1])
    # A 0-d tensor does not widen a dimensioned tensor of the same category.
    case("add_f32_rank0_f64", "add", [rnd((3,)), rnd((), F64)], lambda x: x[0] + x[1])
    # Python-float scalars: float32 stays float32, int64 becomes float32.
    case("add_scalar_f32", "add_scalar", [rnd((3, 4))], lambda x: x[0] + 2.5, scalar=2.5)
    case("add_scalar_f64", "add_scalar", [rnd((3, 4), F64)], lambda x: x[0] + 0.1, scalar=0.1)
    case("add_scalar_i64", "add_scalar", [ints((3, 4))], lambda x: x[0] + 2.5, scalar=2.5)
    case("mul_scalar_i64", "mul_scalar", [ints((5,))], lambda x: x[0] * 0.5, scalar=0.5)
    case("sub_scalar_f32", "sub_scalar", [rnd((4,))], lambda x: x[0] - 1.25, scalar=1.25)
    case("rsub_scalar_f32", "rsub_scalar", [rnd((4,))], lambda x: 1.25 - x[0], scalar=1.25)
    case("mul_scalar_f32", "mul_scalar", [rnd((2, 3))], lambda x: x[0] * -3.0, scalar=-3.0)
    case("div_scalar_f32", "div_scalar", [rnd((2, 3))], lambda x: x[0] / 4.0, scalar=4.0)
    case("div_scalar_i64", "div_scalar", [ints((6,))], lambda x: x[0] / 4.0, scalar=4.0)
    case("rdiv_scalar_f32", "rdiv_scalar", [rnd((2, 3), F32, 0.5, 2.0)], lambda x: 1.0 / x[0], scalar=1.0)
    for e in (2.0, 0.5, -1.0, 3.0):
        lo = 0.1 if e == 0.5 or e < 0 else -2.0
        case(f"pow_scalar_{e}", "pow_scalar", [rnd((3, 4), F32, lo, 2.0)], lambda x, e=e: T.pow(x[0], e),
             scalar=e)
    case("pow_scalar_f64", "pow_scalar", [rnd((5,), F64, 0.1, 3.0)], lambda x: T.pow(x[0], 1.5), scalar=1.5)
    case("rpow_scalar_f32", "rpow_scalar", [rnd((5,))], lambda x: T.pow(2.0, x[0]), scalar=2.0)

    for dt, tag in ((F32, "f32"), (F64, "f64")):
        unary = {
            "neg": (T.neg, -3, 3), "exp": (T.exp, -5, 5), "log": (T.log, 0.01, 10),
            "log1p": (T.log1p, -0.9, 5), "sqrt": (T.sqrt, 0, 9), "abs": (T.abs, -3, 3),
            "sigmoid": (T.sigmoid, -8, 8), "tanh": (T.tanh, -4, 4), "relu": (T.relu, -3, 3),
            "square": (T.square, -3, 3), "reciprocal": (T.reciprocal, 0.2, 4),
        }
        for op, (fn, lo, hi) in unary.items():
            case(f"{op}_{tag}", op, [rnd((4, 5), dt, lo, hi)], lambda x, fn=fn: fn(x[0]))
        # Extremes that break naive formulas: sigmoid(-100) must not be nan.
        ext = np.array([-1000, -100, -20, 0, 20, 100, 1000], dtype=dt)
        case(f"sigmoid_extreme_{tag}", "sigmoid", [ext], lambda x: T.sigmoid(x[0]))
        case(f"tanh_extreme_{tag}", "tanh", [ext], lambda x: T.tanh(x[0]))
        case(f"exp_overflow_{tag}", "exp", [np.array([-1000, 0, 88, 89, 800], dtype=dt)], lambda x: T.exp(x[0]))
        case(f"log_edges_{tag}", "log", [np.array([0, 1, np.inf, -1], dtype=dt)], lambda x: T.log(x[0]))
        case(f"sign_{tag}", "sign", [np.array([-2.5, -0.0, 0.0, 3, -1e-30], dtype=dt)], lambda x: T.sign(x[0]))
        case(f"clamp_both_{tag}", "clamp", [rnd((3, 4), dt)], lambda x: T.clamp(x[0], -0.5, 0.75), min=-0.5, max=0.75)
        case(f"clamp_min_{tag}", "clamp", [rnd((3, 4), dt)], lambda x: T.clamp(x[0], min=0.25), min=0.25, max=None)
        case(f"clamp_max_{tag}", "clamp", [rnd((3, 4), dt)], lambda x: T.clamp(x[0], max=-0.25), min=None, max=-0.25)
    case("neg_i64", "neg", [ints((6,))], lambda x: T.neg(x[0]))
    case("abs_i64", "abs", [ints((6,))], lambda x: T.abs(x[0]))
    case("sign_i64", "sign", [ints((6,))], lambda x: T.sign(x[0]))
    case("square_i64", "square", [ints((6,))], lambda x: T.square(x[0]))
    case("relu_empty", "relu", [rnd((0,))], lambda x: T.relu(x[0]))
    case("exp_big_f32", "exp", [rnd((300, 400), F32, -3, 3)], lambda x: T.exp(x[0]))
    case("isfinite_f32", "isfinite", [np.array([1.0, np.inf, -np.inf, np.nan, 0.0], dtype=F32)],
         lambda x: T.isfinite(x[0]))
    case("isfinite_i64", "isfinite", [ints((4,))], lambda x: T.isfinite(x[0]))

    case("where_bcast", "where", [bools((3, 1)), rnd((3, 4)), rnd((4,))], lambda x: T.where(x[0], x[1], x[2]))
    case("where_f64_i64", "where", [bools((4,)), rnd((4,), F64), ints((4,))], lambda x: T.where(x[0], x[1], x[2]))
    case("where_scalar_b", "where_scalar_b", [bools((2, 3)), rnd((2, 3))],
         lambda x: T.where(x[0], x[1], T.tensor(-1.5, dtype=T.float32)), scalar=-1.5)
    case("where_scalar_a", "where_scalar_a", [bools((2, 3)), rnd((2, 3), F64)],
         lambda x: T.where(x[0], T.tensor(7.0, dtype=T.float64), x[1]), scalar=7.0)
    case("masked_fill_bcast", "masked_fill", [rnd((3, 4)), bools((4,))],
         lambda x: x[0].masked_fill(x[1], -9.5), value=-9.5)
    case("masked_fill_i64", "masked_fill", [ints((2, 3)), bools((2, 3))],
         lambda x: x[0].masked_fill(x[1], 42), value=42.0)

    # Comparisons, with ties (rounded values) so that eq/le/ge are exercised.
    a, b = np.round(rnd((3, 4), F32, -2, 2)), np.round(rnd((4,), F32, -2, 2))
    for op in ("eq", "ne", "lt", "le", "gt", "ge"):
        case(f"{op}_tensor", op, [a, b], lambda x, op=op: getattr(T, op)(x[0], x[1]))
        case(f"{op}_scalar", f"{op}_scalar", [a], lambda x, op=op: getattr(T, op)(x[0], 1.0), scalar=1.0)
    case("lt_i64_f32", "lt", [ints((5,)), rnd((5,), F32, -5, 5)], lambda x: T.lt(x[0], x[1]))
    case("eq_i64", "eq", [ints((6,), 0, 3), ints((6,), 0, 3)], lambda x: T.eq(x[0], x[1]))
    p, q = bools((3, 4)), bools((4,))
    for op in ("logical_and", "logical_or", "logical_xor"):
        case(f"{op}_bool", op, [p, q], lambda x, op=op: getattr(T, op)(x[0], x[1]))
    case("logical_and_f32", "logical_and", [np.array([0, 1.5, 0, -2], F32), np.array([0, 0, 3, 1], F32)],
         lambda x: T.logical_and(x[0], x[1]))
    case("logical_not_bool", "logical_not", [p], lambda x: T.logical_not(x[0]))
    case("logical_not_f32", "logical_not", [np.array([0, 1.5, -0.0, np.nan], F32)], lambda x: T.logical_not(x[0]))


# ---------------------------------------------------------------- reductions
def reductions():
    T = torch
    # One big input: a single float32 accumulator drifts by ~2e-5 relative on
    # it; PyTorch's cascade sum is exact to ~1e-7. rtol 5e-6 tells them apart.
    big = save("big_200k.npy", (0.1 + 0.01 * rng.random(200000)).astype(F32))
    case("sum_big_f32", "sum", [big], lambda x: x[0].sum(), tol=(5e-6, 0.0))
    case("mean_big_f32", "mean", [big], lambda x: x[0].mean(), tol=(5e-6, 0.0))
    case("sum_big_rows", "sum", [big], lambda x: x[0].sum(1), tol=(5e-6, 0.0),
         dims=[1], keepdim=False, view0="reshape/2x100000")
    case("sum_big_cols", "sum", [big], lambda x: x[0].sum(0), tol=(5e-6, 1e-6),
         dims=[0], keepdim=False, view0="reshape/100000x2")

    for dt, tag in ((F32, "f32"), (F64, "f64")):
        x = rnd((3, 4, 5), dt)
        case(f"sum_all_{tag}", "sum", [x], lambda t: t[0].sum())
        case(f"sum_d1_{tag}", "sum", [x], lambda t: t[0].sum(1), dims=[1], keepdim=False)
        case(f"sum_d02_keep_{tag}", "sum", [x], lambda t: t[0].sum((0, 2), keepdim=True), dims=[0, 2], keepdim=True)
        case(f"sum_dneg_{tag}", "sum", [x], lambda t: t[0].sum(-1), dims=[-1], keepdim=False)
        case(f"mean_all_{tag}", "mean", [x], lambda t: t[0].mean())
        case(f"mean_d0_keep_{tag}", "mean", [x], lambda t: t[0].mean(0, keepdim=True), dims=[0], keepdim=True)
        case(f"mean_d12_{tag}", "mean", [x], lambda t: t[0].mean((-1, 1)), dims=[-1, 1], keepdim=False)
        y = rnd((4, 6), dt, 0.5, 1.5)
        case(f"prod_all_{tag}", "prod", [y], lambda t: t[0].prod())
        case(f"prod_d1_{tag}", "prod", [y], lambda t: t[0].prod(1), dim=1, keepdim=False)
        case(f"prod_d0_keep_{tag}", "prod", [y], lambda t: t[0].prod(0, keepdim=True), dim=0, keepdim=True)
        case(f"max_all_{tag}", "max", [x], lambda t: t[0].max())
        case(f"min_all_{tag}", "min", [x], lambda t: t[0].min())
        case(f"max_d1_{tag}", "max_dim", [x], lambda t: list(t[0].max(1)), dim=1, keepdim=False)
        case(f"min_dneg_keep_{tag}", "min_dim", [x], lambda t: list(t[0].min(-1, keepdim=True)), dim=-1, keepdim=True)
        case(f"argmax_all_{tag}", "argmax", [x], lambda t: t[0].argmax())
        case(f"argmin_all_{tag}", "argmin", [x], lambda t: t[0].argmin())
        case(f"argmax_d2_{tag}", "argmax", [x], lambda t: t[0].argmax(2), dim=2, keepdim=False)
        case(f"argmin_d0_keep_{tag}", "argmin", [x], lambda t: t[0].argmin(0, keepdim=True), dim=0, keepdim=True)
        vt = (1e-4, 1e-6) if dt == F32 else None
        for ub in (True, False):
            u = "unb" if ub else "bias"
            case(f"var_all_{u}_{tag}", "var", [x], lambda t, ub=ub: t[0].var(unbiased=ub), tol=vt, unbiased=ub)
            case(f"std_all_{u}_{tag}", "std", [x], lambda t, ub=ub: t[0].std(unbiased=ub), tol=vt, unbiased=ub)
            case(f"var_d1_{u}_{tag}", "var", [x], lambda t, ub=ub: t[0].var(1, unbiased=ub), tol=vt,
                 dims=[1], unbiased=ub, keepdim=False)
            case(f"std_dneg_keep_{u}_{tag}", "std", [x], lambda t, ub=ub: t[0].std(-1, unbiased=ub, keepdim=True),
                 tol=vt, dims=[-1], unbiased=ub, keepdim=True)
        case(f"var_d02_{tag}", "var", [x], lambda t: t[0].var((0, 2)), tol=vt, dims=[0, 2], unbiased=True, keepdim=False)
        # Variance of values with a large common offset: a one-pass E[x^2]-E[x]^2
        # formula loses every digit here.
        off = (1000.0 + rnd((50,), F64)).astype(dt)
        case(f"var_offset_{tag}", "var", [off], lambda t: t[0].var(), tol=(1e-3, 1e-6) if dt == F32 else None,
             unbiased=True)

        sm = rnd((3, 4, 5), dt, -3, 3)
        for d in (0, 1, -1):
            case(f"softmax_d{d}_{tag}", "softmax", [sm], lambda t, d=d: T.softmax(t[0], d), dim=d)
            case(f"log_softmax_d{d}_{tag}", "log_softmax", [sm], lambda t, d=d: T.log_softmax(t[0], d), dim=d)
            case(f"logsumexp_d{d}_{tag}", "logsumexp", [sm], lambda t, d=d: T.logsumexp(t[0], d), dim=d, keepdim=False)
        case(f"logsumexp_keep_{tag}", "logsumexp", [sm], lambda t: T.logsumexp(t[0], 1, keepdim=True), dim=1, keepdim=True)
        # Values whose exp overflows: a naive softmax gives nan/inf.
        huge = np.array([[1000, 999, 998, -1000], [-1000, -1001, -1002, -999], [0, 1000, -1000, 0]], dtype=dt)
        case(f"softmax_huge_{tag}", "softmax", [huge], lambda t: T.softmax(t[0], 1), dim=1)
        case(f"softmax_huge_d0_{tag}", "softmax", [huge], lambda t: T.softmax(t[0], 0), dim=0)
        case(f"log_softmax_huge_{tag}", "log_softmax", [huge], lambda t: T.log_softmax(t[0], -1), dim=-1)
        case(f"logsumexp_huge_{tag}", "logsumexp", [huge], lambda t: T.logsumexp(t[0], 1), dim=1, keepdim=False)
    case("softmax_wide_f32", "softmax", [rnd((8, 1000), F32, -10, 10)], lambda t: T.softmax(t[0], 1), dim=1)
    case("log_softmax_wide_f32", "log_softmax", [rnd((8, 1000), F32, -10, 10)], lambda t: T.log_softmax(t[0], 1), dim=1)

    i = ints((4, 5), -100, 100)
    case("sum_i64", "sum", [i], lambda t: t[0].sum())
    case("sum_i64_d0", "sum", [i], lambda t: t[0].sum(0), dims=[0], keepdim=False)
    case("sum_bool", "sum", [bools((7, 3))], lambda t: t[0].sum())
    case("prod_i64", "prod", [ints((6,), 1, 5)], lambda t: t[0].prod())
    case("max_i64", "max", [i], lambda t: t[0].max())
    # Distinct values so that the index is unique.
    perm = rng.permutation(20).reshape(4, 5).astype(np.int64)
    case("max_dim_i64", "max_dim", [perm], lambda t: list(t[0].max(0)), dim=0, keepdim=False)
    case("argmin_i64", "argmin", [perm], lambda t: t[0].argmin(1), dim=1, keepdim=False)
    # Empty tensors: sum is 0, prod 1, mean nan (as PyTorch).
    e = np.zeros((0, 3), F32)
    case("sum_empty", "sum", [e], lambda t: t[0].sum())
    case("sum_empty_d0", "sum", [e], lambda t: t[0].sum(0), dims=[0], keepdim=False)
    case("prod_empty", "prod", [e], lambda t: t[0].prod())
    case("mean_empty", "mean", [e], lambda t: t[0].mean())
    case("sum_empty_d1", "sum", [e], lambda t: t[0].sum(1), dims=[1], keepdim=False)


# ---------------------------------------------------------------- linalg
def linalg():
    T = torch
    for dt, tag in ((F32, "f32"), (F64, "f64")):
        tl = (1e-5, 1e-5) if dt == F32 else None
        case(f"mm_{tag}", "mm", [rnd((3, 4), dt), rnd((4, 5), dt)], lambda x: T.mm(x[0], x[1]), tol=tl)
        case(f"matmul_1d1d_{tag}", "matmul", [rnd((7,), dt), rnd((7,), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_2d1d_{tag}", "matmul", [rnd((3, 7), dt), rnd((7,), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_1d2d_{tag}", "matmul", [rnd((3,), dt), rnd((3, 7), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_2d2d_{tag}", "matmul", [rnd((2, 3), dt), rnd((3, 4), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_bcast_{tag}", "matmul", [rnd((2, 1, 3, 4), dt), rnd((5, 4, 2), dt)],
             lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_3d2d_{tag}", "matmul", [rnd((5, 2, 3), dt), rnd((3, 4), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_2d3d_{tag}", "matmul", [rnd((2, 3), dt), rnd((4, 3, 5), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_1d3d_{tag}", "matmul", [rnd((4,), dt), rnd((2, 4, 3), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"matmul_3d1d_{tag}", "matmul", [rnd((2, 3, 4), dt), rnd((4,), dt)], lambda x: T.matmul(x[0], x[1]), tol=tl)
        case(f"bmm_{tag}", "bmm", [rnd((3, 2, 4), dt), rnd((3, 4, 5), dt)], lambda x: T.bmm(x[0], x[1]), tol=tl)
        case(f"dot_{tag}", "dot", [rnd((9,), dt), rnd((9,), dt)], lambda x: T.dot(x[0], x[1]), tol=tl)
        case(f"outer_{tag}", "outer", [rnd((3,), dt), rnd((4,), dt)], lambda x: T.outer(x[0], x[1]), tol=tl)
        case(f"linear_bias_{tag}", "linear", [rnd((6, 4), dt), rnd((3, 4), dt), rnd((3,), dt)],
             lambda x: T.nn.functional.linear(x[0], x[1], x[2]), tol=tl)
        case(f"linear_nobias_{tag}", "linear", [rnd((6, 4), dt), rnd((3, 4), dt)],
             lambda x: T.nn.functional.linear(x[0], x[1]), tol=tl)
        case(f"linear_3d_{tag}", "linear", [rnd((2, 5, 4), dt), rnd((3, 4), dt), rnd((3,), dt)],
             lambda x: T.nn.functional.linear(x[0], x[1], x[2]), tol=tl)
    case("mm_large_f32", "mm", [rnd((64, 130)), rnd((130, 33))], lambda x: T.mm(x[0], x[1]), tol=(1e-4, 1e-4))
    case("matmul_large_batched_f32", "matmul", [rnd((3, 40, 70)), rnd((70, 50))],
         lambda x: T.matmul(x[0], x[1]), tol=(1e-4, 1e-4))
    case("linear_large_f32", "linear", [rnd((32, 100)), rnd((20, 100)), rnd((20,))],
         lambda x: T.nn.functional.linear(x[0], x[1], x[2]), tol=(1e-4, 1e-4))
    # Empty inner dimension: the product is all zeros, not garbage.
    case("mm_empty_k", "mm", [rnd((2, 0)), rnd((0, 3))], lambda x: T.mm(x[0], x[1]))
    case("mm_empty_m", "mm", [rnd((0, 4)), rnd((4, 3))], lambda x: T.mm(x[0], x[1]))


# ---------------------------------------------------------------- indexing
def indexing():
    T = torch
    for dt, tag in ((F32, "f32"), (F64, "f64")):
        x = rnd((5, 4), dt)
        case(f"index_select_d0_{tag}", "index_select", [x, np.array([4, 0, 2, 2], np.int64)],
             lambda t: T.index_select(t[0], 0, t[1]), dim=0)
        case(f"index_select_d1_{tag}", "index_select", [x, np.array([3, 1], np.int64)],
             lambda t: T.index_select(t[0], 1, t[1]), dim=1)
        case(f"gather_d1_{tag}", "gather", [x, rng.integers(0, 4, (5, 3))],
             lambda t: T.gather(t[0], 1, t[1]), dim=1)
        case(f"gather_d0_{tag}", "gather", [x, rng.integers(0, 5, (2, 4))],
             lambda t: T.gather(t[0], 0, t[1]), dim=0)
        # scatter with distinct indices per row: duplicates would be unordered.
        idx = np.stack([rng.permutation(6)[:3] for _ in range(4)]).astype(np.int64)
        case(f"scatter_d1_{tag}", "scatter", [rnd((4, 6), dt), idx, rnd((4, 3), dt)],
             lambda t: T.scatter(t[0], 1, t[1], t[2]), dim=1)
        case(f"scatter_add_d0_{tag}", "scatter_add", [rnd((3, 4), dt), rng.integers(0, 3, (5, 4)), rnd((5, 4), dt)],
             lambda t: T.scatter_add(t[0], 0, t[1], t[2]), dim=0)
        case(f"cat_d0_{tag}", "cat", [rnd((2, 3), dt), rnd((1, 3), dt), rnd((0, 3), dt), rnd((4, 3), dt)],
             lambda t: T.cat(t, 0), dim=0)
        case(f"cat_dneg_{tag}", "cat", [rnd((2, 3, 1), dt), rnd((2, 3, 4), dt)], lambda t: T.cat(t, -1), dim=-1)
        case(f"stack_d0_{tag}", "stack", [rnd((2, 3), dt), rnd((2, 3), dt), rnd((2, 3), dt)],
             lambda t: T.stack(t, 0), dim=0)
        case(f"stack_dneg_{tag}", "stack", [rnd((2, 3), dt), rnd((2, 3), dt)], lambda t: T.stack(t, -1), dim=-1)
    case("index_select_i64", "index_select", [ints((3, 4)), np.array([2, 2, 0], np.int64)],
         lambda t: T.index_select(t[0], 0, t[1]), dim=0)
    case("gather_3d_dneg", "gather", [rnd((2, 3, 4)), rng.integers(0, 4, (2, 3, 2))],
         lambda t: T.gather(t[0], -1, t[1]), dim=-1)
    case("scatter_add_1d_i64", "scatter_add", [np.zeros(5, np.int64), rng.integers(0, 5, 12), ints((12,))],
         lambda t: T.scatter_add(t[0], 0, t[1], t[2]), dim=0)
    case("one_hot_n", "one_hot", [np.array([0, 2, 1, 4], np.int64)],
         lambda t: T.nn.functional.one_hot(t[0], 6), num_classes=6)
    case("one_hot_auto_2d", "one_hot", [np.array([[1, 3], [0, 2]], np.int64)],
         lambda t: T.nn.functional.one_hot(t[0]), num_classes=-1)
    case("cat_d1_i64", "cat", [ints((2, 1)), ints((2, 3))], lambda t: T.cat(t, 1), dim=1)
    case("cat_bool", "cat", [bools((2,)), bools((3,))], lambda t: T.cat(t, 0), dim=0)
    case("stack_d1_3d", "stack", [rnd((2, 3)), rnd((2, 3))], lambda t: T.stack(t, 1), dim=1)
    y = rnd((5, 7))
    case("split_d0", "split", [y], lambda t: list(T.split(t[0], 2, 0)), size=2, dim=0)
    case("split_d1", "split", [y], lambda t: list(T.split(t[0], 3, 1)), size=3, dim=1)
    case("split_exact", "split", [y], lambda t: list(T.split(t[0], 7, 1)), size=7, dim=1)
    case("chunk_d1", "chunk", [y], lambda t: list(T.chunk(t[0], 3, 1)), chunks=3, dim=1)
    case("chunk_d0", "chunk", [y], lambda t: list(T.chunk(t[0], 2, 0)), chunks=2, dim=0)
    # chunk(3) of 4 rows gives two chunks of 2, as PyTorch.
    case("chunk_uneven", "chunk", [rnd((4, 2))], lambda t: list(T.chunk(t[0], 3, 0)), chunks=3, dim=0)


# ---------------------------------------------------------------- views
def views():
    T = torch
    x = rnd((4, 6))
    case("view_transpose_add", "add", [x, rnd((6, 4))], lambda t: t[0] + t[1], view0="transpose/0/1")
    case("view_transpose_exp", "exp", [x], lambda t: T.exp(t[0]), view0="transpose/0/1")
    case("view_transpose_contig", "contiguous", [x], lambda t: t[0].contiguous(), view0="transpose/0/1")
    case("view_transpose_mm", "mm", [x, rnd((4, 3))], lambda t: T.mm(t[0], t[1]), tol=(1e-5, 1e-5),
         view0="transpose/0/1")
    case("view_both_t_mm", "mm", [rnd((5, 3)), rnd((4, 5))], lambda t: T.mm(t[0], t[1]), tol=(1e-5, 1e-5),
         view0="transpose/0/1", view1="transpose/0/1")
    case("view_slice_step", "mul_scalar", [rnd((5, 9))], lambda t: t[0] * 2.0, scalar=2.0, view0="slice/1/1/8/3")
    case("view_slice_negstart", "neg", [rnd((5, 9))], lambda t: -t[0], view0="slice/1/-4/none/1")
    case("view_slice_rows_sum", "sum", [rnd((10, 3))], lambda t: t[0].sum(0), dims=[0], keepdim=False,
         view0="slice/0/1/none/2")
    case("view_expand_mul", "mul", [rnd((3, 1)), rnd((3, 4))], lambda t: t[0] * t[1], view0="expand/3x4")
    case("view_expand_contig", "contiguous", [rnd((1, 4))], lambda t: t[0].contiguous(), view0="expand/3x4")
    case("view_expand_sum", "sum", [rnd((3, 1))], lambda t: t[0].sum(1), dims=[1], keepdim=False, view0="expand/3x5")
    case("view_permute_sum", "sum", [rnd((2, 3, 4))], lambda t: t[0].sum(1), dims=[1], keepdim=False,
         view0="permute/2x0x1")
    case("view_permute_softmax", "softmax", [rnd((2, 3, 4))], lambda t: T.softmax(t[0], -1), dim=-1,
         view0="permute/1x2x0")
    case("view_select_add", "add", [rnd((3, 4, 5)), rnd((3, 5))], lambda t: t[0] + t[1], view0="select/1/2")
    case("view_transpose_reshape", "reshape", [rnd((3, 4))], lambda t: t[0].reshape(2, 6), shape=[2, 6],
         view0="transpose/0/1")
    case("view_chain", "tanh", [rnd((6, 8))], lambda t: T.tanh(t[0]), view0="transpose/0/1+slice/0/0/none/2+slice/1/1/5/1")
    case("view_transpose_max", "max_dim", [rnd((4, 5))], lambda t: list(t[0].max(1)), dim=1, keepdim=False,
         view0="transpose/0/1")
    case("view_transpose_matmul_bcast", "matmul", [rnd((2, 4, 3)), rnd((5, 4))], lambda t: T.matmul(t[0], t[1]),
         tol=(1e-5, 1e-5), view0="transpose/1/2", view1="transpose/0/1")
    case("view_slice_cat", "cat", [rnd((4, 6)), rnd((2, 3))], lambda t: T.cat(t, 0), dim=0, view0="slice/1/0/6/2")
    case("view_transpose_gather", "gather", [rnd((4, 5)), rng.integers(0, 4, (5, 2))],
         lambda t: T.gather(t[0], 1, t[1]), dim=1, view0="transpose/0/1")
    case("view_slice_where", "where", [bools((3, 4)), rnd((3, 8)), rnd((3, 4))],
         lambda t: T.where(t[0], t[1], t[2]), view1="slice/1/0/none/2")


# ---------------------------------------------------------------- creation
def creation():
    T = torch
    case("arange_end_int", "arange", [], lambda t: T.arange(5), end=5.0)
    case("arange_int_step", "arange", [], lambda t: T.arange(2, 11, 3), start=2.0, end=11.0, step=3.0)
    case("arange_neg_step", "arange", [], lambda t: T.arange(5, -3, -2), start=5.0, end=-3.0, step=-2.0)
    case("arange_float", "arange", [], lambda t: T.arange(0., 1., .25), start=0.0, end=1.0, step=0.25)
    case("arange_float_tenth", "arange", [], lambda t: T.arange(0, 1, 0.1), start=0.0, end=1.0, step=0.1)
    case("arange_float_end", "arange", [], lambda t: T.arange(2.5), end=2.5)
    case("arange_f64", "arange", [], lambda t: T.arange(1, 4, 0.5, dtype=T.float64), start=1.0, end=4.0,
         step=0.5, dtype="float64")
    case("arange_empty", "arange", [], lambda t: T.arange(3, 3), start=3.0, end=3.0, step=1.0)
    case("linspace_5", "linspace", [], lambda t: T.linspace(0, 1, 5), start=0.0, end=1.0, steps=5)
    case("linspace_f64", "linspace", [], lambda t: T.linspace(-1, 1, 7, dtype=T.float64), start=-1.0, end=1.0,
         steps=7, dtype="float64")
    case("linspace_desc", "linspace", [], lambda t: T.linspace(10, -10, 9), start=10.0, end=-10.0, steps=9)
    case("linspace_1", "linspace", [], lambda t: T.linspace(3, 7, 1), start=3.0, end=7.0, steps=1)
    case("linspace_0", "linspace", [], lambda t: T.linspace(3, 7, 0), start=3.0, end=7.0, steps=0)
    case("linspace_many", "linspace", [], lambda t: T.linspace(-3, 5, 1001), start=-3.0, end=5.0, steps=1001)
    case("eye_3", "eye", [], lambda t: T.eye(3), n=3)
    case("eye_2x4", "eye", [], lambda t: T.eye(2, 4), n=2, m=4)
    case("eye_4x2_i64", "eye", [], lambda t: T.eye(4, 2, dtype=T.int64), n=4, m=2, dtype="int64")
    case("eye_f64", "eye", [], lambda t: T.eye(2, dtype=T.float64), n=2, dtype="float64")


# ---------------------------------------------------------------- edge cases
# Values where a plausible-looking implementation gives a silently wrong answer.
# (Drawn after everything else so that adding cases here leaves the fixtures
# above unchanged.)
def edges():
    T = torch
    nan, inf = np.nan, np.inf
    for dt, tag in ((F32, "f32"), (F64, "f64")):
        # log1p(x) for tiny x: log(1 + x) rounds to 0.
        case(f"log1p_tiny_{tag}", "log1p", [np.array([1e-10, -1e-8, 1e-5, -0.5], dt)], lambda x: T.log1p(x[0]))
        # NaN propagates through max/min/maximum/relu/clamp, as in PyTorch.
        nx = np.array([[1.0, nan, 3.0], [4.0, 2.0, -1.0]], dt)
        case(f"max_all_nan_{tag}", "max", [nx], lambda x: x[0].max())
        case(f"min_all_nan_{tag}", "min", [nx], lambda x: x[0].min())
        case(f"max_dim_nan_{tag}", "max_dim", [nx], lambda x: list(x[0].max(1)), dim=1, keepdim=False)
        case(f"argmax_nan_{tag}", "argmax", [nx], lambda x: x[0].argmax(1), dim=1, keepdim=False)
        case(f"maximum_nan_{tag}", "maximum", [nx, np.array([0.0, 0.0, nan], dt)], lambda x: T.maximum(x[0], x[1]))
        case(f"relu_nan_{tag}", "relu", [np.array([nan, -1, 2, -inf, inf], dt)], lambda x: T.relu(x[0]))
        case(f"clamp_nan_{tag}", "clamp", [np.array([nan, -3, 0.5, 3], dt)], lambda x: T.clamp(x[0], 0.0, 1.0),
             min=0.0, max=1.0)
        case(f"div_zero_{tag}", "div", [np.array([1, -1, 0, 2], dt), np.array([0, 0, 0, -0.0], dt)],
             lambda x: x[0] / x[1])
        case(f"pow_edges_{tag}", "pow", [np.array([0, 0, -2, -8, 2, 4], dt), np.array([0, 2, 3, 1 / 3, -1, 0.5], dt)],
             lambda x: T.pow(x[0], x[1]))
        # Masked attention: -inf logits get probability 0; a fully masked row is nan.
        mi = np.array([[-inf, 0.0, 1.0], [-inf, -inf, 2.0], [-inf, -inf, -inf]], dt)
        case(f"softmax_neg_inf_{tag}", "softmax", [mi], lambda x: T.softmax(x[0], 1), dim=1)
        case(f"log_softmax_neg_inf_{tag}", "log_softmax", [mi[:2]], lambda x: T.log_softmax(x[0], 1), dim=1)
        case(f"logsumexp_neg_inf_{tag}", "logsumexp", [mi], lambda x: T.logsumexp(x[0], 1), dim=1, keepdim=False)
        case(f"sum_inf_{tag}", "sum", [np.array([[inf, 1.0], [inf, -inf]], dt)], lambda x: x[0].sum(1),
             dims=[1], keepdim=False)
        case(f"var_single_{tag}", "var", [np.array([3.0], dt)], lambda x: x[0].var(), unbiased=True)
        case(f"std_const_{tag}", "std", [np.full((4, 3), 0.1, dt)], lambda x: x[0].std(0), dims=[0],
             unbiased=True, keepdim=False)
        case(f"sigmoid_inf_{tag}", "sigmoid", [np.array([-inf, inf, nan], dt)], lambda x: T.sigmoid(x[0]))
        case(f"tanh_inf_{tag}", "tanh", [np.array([-inf, inf, 1e-20], dt)], lambda x: T.tanh(x[0]))
    case("div_zero_i64", "div", [np.array([1, -1, 0], np.int64), np.array([0, 0, 0], np.int64)],
         lambda x: x[0] / x[1])
    # C++ cannot tell 2 from 2.0, so wick treats an integral-valued double like
    # a Python int (int64 stays int64) and a fractional one like a Python float
    # (int64 becomes float32); the references use the matching Python scalar.
    case("pow_scalar_i64", "pow_scalar", [ints((5,))], lambda x: T.pow(x[0], 2), scalar=2.0)
    case("pow_scalar_i64_frac", "pow_scalar", [ints((5,), 0, 9)], lambda x: T.pow(x[0], 0.5), scalar=0.5)
    case("add_scalar_i64_int", "add_scalar", [ints((5,))], lambda x: x[0] + 3, scalar=3.0)
    case("mul_scalar_bool_int", "mul_scalar", [bools((5,))], lambda x: x[0] * 2, scalar=2.0)
    # argmax/argmin return the first of equal extremes (documented by PyTorch).
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0], [5.0, 5.0, 5.0]], F32)
    case("argmax_ties", "argmax", [ties], lambda x: x[0].argmax(1), dim=1, keepdim=False)
    case("argmin_ties", "argmin", [ties], lambda x: x[0].argmin(0), dim=0, keepdim=False)
    case("argmax_all_ties", "argmax", [np.array([0, 7, 2, 7], np.int64)], lambda x: x[0].argmax())
    case("sum_all_dims_list", "sum", [rnd((2, 3, 4))], lambda x: x[0].sum((0, 1, 2)), dims=[0, 1, 2], keepdim=False)
    case("sum_i64_keep", "sum", [ints((3, 4))], lambda x: x[0].sum(1, keepdim=True), dims=[1], keepdim=True)
    case("mean_big_rows", "mean", ["big_200k.npy"], lambda x: x[0].mean(1), tol=(5e-6, 0.0),
         dims=[1], keepdim=False, view0="reshape/2x100000")
    case("max_size1_dim", "max_dim", [rnd((3, 1, 2))], lambda x: list(x[0].max(1, keepdim=True)), dim=1, keepdim=True)
    case("one_hot_empty", "one_hot", [np.zeros((0,), np.int64)], lambda x: T.nn.functional.one_hot(x[0], 3),
         num_classes=3)
    case("index_select_empty", "index_select", [rnd((3, 4)), np.zeros((0,), np.int64)],
         lambda x: T.index_select(x[0], 0, x[1]), dim=0)
    case("cat_single", "cat", [rnd((2, 2))], lambda x: T.cat(x, 1), dim=1)
    case("linear_1d", "linear", [rnd((4,)), rnd((3, 4)), rnd((3,))], lambda x: T.nn.functional.linear(x[0], x[1], x[2]),
         tol=(1e-5, 1e-5))
    case("arange_float_neg", "arange", [], lambda t: T.arange(-1, 1, 0.3), start=-1.0, end=1.0, step=0.3)
    case("view_bmm_transposed", "bmm", [rnd((3, 4, 2)), rnd((3, 4, 5))], lambda x: T.bmm(x[0], x[1]),
         tol=(1e-5, 1e-5), view0="transpose/1/2")
    case("view_matmul_expanded", "matmul", [rnd((1, 3, 4)), rnd((5, 4, 2))], lambda x: T.matmul(x[0], x[1]),
         tol=(1e-5, 1e-5), view0="expand/5x3x4")
    case("view_linear_transposed_weight", "linear", [rnd((6, 4)), rnd((4, 3)), rnd((3,))],
         lambda x: T.nn.functional.linear(x[0], x[1], x[2]), tol=(1e-5, 1e-5), view1="transpose/0/1")
    case("view_logsumexp_slice", "logsumexp", [rnd((4, 10))], lambda x: T.logsumexp(x[0], 1), dim=1, keepdim=False,
         view0="slice/1/1/none/3")
    # Big strided inputs, above any threading threshold, with small outputs.
    big = "big_200k.npy"
    case("big_max_dim_rows", "max_dim", [big], lambda x: list(x[0].max(1)), dim=1, keepdim=False,
         view0="reshape/500x400")
    case("big_logsumexp_d0", "logsumexp", [big], lambda x: T.logsumexp(x[0], 0), tol=(1e-5, 1e-6), dim=0,
         keepdim=False, view0="reshape/400x500")
    case("big_var_rows", "var", [big], lambda x: x[0].var(1), tol=(1e-4, 1e-7), dims=[1], unbiased=True,
         keepdim=False, view0="reshape/2000x100")
    case("big_argmin_all", "argmin", [big], lambda x: x[0].argmin())
    case("big_mean_transposed", "mean", [big], lambda x: x[0].mean(0), tol=(1e-5, 1e-6), dims=[0], keepdim=False,
         view0="reshape/500x400+transpose/0/1")
    case("big_mul_then_sum", "mul_then_sum", [big, big], lambda x: (x[0] * x[1]).sum(), tol=(2e-5, 0.0),
         view0="reshape/400x500", view1="reshape/500x400+transpose/0/1")
    case("big_add_bcast_then_sum", "add_then_sum", [big, rnd((500,))], lambda x: (x[0] + x[1]).sum(),
         tol=(2e-5, 1e-3), view0="reshape/400x500")
    case("view_scatter_add_transposed", "scatter_add", [rnd((4, 3)), rng.integers(0, 3, (2, 4)), rnd((2, 4))],
         lambda x: T.scatter_add(x[0], 0, x[1], x[2]), dim=0, view0="transpose/0/1")
    # uint8 arithmetic wraps modulo 256, scalars included (u - 1 is u + 255).
    u8 = np.array([250, 5, 3, 0, 255], np.uint8)
    u8b = np.array([10, 10, 10, 1, 0], np.uint8)
    case("sub_u8_u8_wraps", "sub", [u8, u8b], lambda x: x[0] - x[1])
    case("add_alpha_u8_wraps", "add", [u8, u8b], lambda x: T.add(x[0], x[1], alpha=3), alpha=3.0)
    case("sub_scalar_u8_wraps", "sub_scalar", [u8], lambda x: x[0] - 1, scalar=1.0)
    case("mul_scalar_u8_negative", "mul_scalar", [u8], lambda x: x[0] * -1, scalar=-1.0)
    case("add_scalar_u8_over_255", "add_scalar", [u8], lambda x: x[0] + 300, scalar=300.0)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    elementwise()
    reductions()
    linalg()
    indexing()
    views()
    creation()
    edges()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "tests/reference/make_op_fixtures.py",
                   "torch": torch.__version__, "numpy": np.__version__, "cases": cases}, f, indent=1)
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("# written by tests/reference/make_op_fixtures.py; see its docstring for the format\n")
        for c in cases:
            parts = [c["name"], c["op"], "in=" + ",".join(c["inputs"]), "out=" + ",".join(c["outputs"]),
                     f"rtol={c['rtol']!r}", f"atol={c['atol']!r}"]
            parts += [f"{k}={fmt(v)}" for k, v in c["args"].items()]
            assert all(" " not in p for p in parts), parts
            f.write(" ".join(parts) + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(cases)} cases, {len(os.listdir(OUT))} files, {total / 1e6:.2f} MB in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
