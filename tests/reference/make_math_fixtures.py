#!/usr/bin/python3
"""Generates the PyTorch 1.13 reference fixtures of the math functions (sin,
cos, tan, atan, sinh, cosh, expm1, exp2, log2, log10, rsqrt, erf, erfc,
erfinv, floor, ceil, round, trunc, frac, isnan, isinf, isposinf, isneginf,
nan_to_num, atan2, fmod, remainder) for tests/core/math_ops_test.cpp.

Inputs are special values (0, -0, +-inf, NaN, halves, huge and tiny values)
and draws from a fixed NumPy seed; every expected value is computed by
PyTorch (never by wick) and saved under tests/data/math/:

  manifest.txt          one case a line: `name op key=value ...`
  <name>.in0.npy        the first input (the base tensor when view= is set)
  <name>.in1.npy        binary ops: the second input
  <name>.out0.npy       the result
  <name>.w.npy          with grad=1: weights w of the result's shape
  <name>.grad<i>.npy    with grad=1: d sum(w * out) / d input i

Keys: view=t (the op sees in0.t(), and in1.t() when present) or view=step
(every other row of dim 0); decimals= (round); nan= posinf= neginf=
(nan_to_num, absent: PyTorch's default); scalar= (the op's second operand
is that Python number; with scalar_first=1 it is the first:
torch.remainder(scalar, in0)); rtol= atol= override the test's default
tolerance for the case.

Run with /usr/bin/python3 (it has torch and numpy):
  /usr/bin/python3 tests/reference/make_math_fixtures.py
"""
import os
import shutil

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "math")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
rng = np.random.default_rng(20261128)
NAN, INF = float("nan"), float("inf")
lines = []

# Special values every float case starts from.
SPECIAL = [0.0, -0.0, INF, -INF, NAN, 1e-30, -1e-30, 1e-8, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5,
           0.49999997, 1.0, -1.0, 3.7, -3.7, 10.0, -10.0, 88.5, -88.5, 100.0, -104.0, 1e4, -1e4,
           8388609.0, -8388609.5, 1e20, -1e20, 3e38, -3e38]
# Not here: 5e-324 and 710, where PyTorch's vectorized (Sleef) kernels flush
# tan's subnormal result to 0 and overflow sinh/cosh to inf early (its scalar
# path, for tensors of a few elements, gives libm's finite values, as wick).
SPECIAL64 = SPECIAL + [1e300, -1e300, 700.0, -745.0, 4503599627370497.0, 0.49999999999999994, 1e-300]


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    # np.array, not np.ascontiguousarray: that one turns a 0-d result into shape (1,).
    np.save(os.path.join(OUT, name + ".npy"), np.array(arr, order="C"))


def view_of(t, view):
    if view == "t":
        return t.t()
    if view == "step":
        return t[::2]
    return t


def case(name, op, fn, inputs, grad=False, view=None, **keys):
    """fn(*tensors) -> tensor, with PyTorch; inputs are NumPy arrays."""
    base = [torch.from_numpy(np.array(x)) for x in inputs]
    if grad:
        for b in base:
            b.requires_grad_(True)
    out = fn(*[view_of(b, view) for b in base])
    for i, b in enumerate(base):
        save(f"{name}.in{i}", b)
    save(name + ".out0", out)
    if grad:
        w = torch.from_numpy(rng.uniform(-2, 2, tuple(out.shape)).astype(out.detach().numpy().dtype))
        gs = torch.autograd.grad((out * w).sum(), base, allow_unused=True)
        save(name + ".w", w)
        for i, (b, g) in enumerate(zip(base, gs)):
            save(f"{name}.grad{i}", g if g is not None else torch.zeros_like(b))
        keys["grad"] = 1
    if view:
        keys["view"] = view
    lines.append(" ".join([name, op] + [f"{k}={v}" for k, v in keys.items()]))


def specials(dtype):
    vals = SPECIAL64 if dtype == np.float64 else SPECIAL
    return np.array(vals, dtype=dtype)


# ---- unary float functions: (op, random range, grad range) ----
FLOAT_FUNCS = [
    ("sin", (-10, 10), (-4, 4)),
    ("cos", (-10, 10), (-4, 4)),
    ("tan", (-1.5, 1.5), (-1.2, 1.2)),
    ("atan", (-20, 20), (-5, 5)),
    ("sinh", (-20, 20), (-3, 3)),
    ("cosh", (-20, 20), (-3, 3)),
    ("expm1", (-3, 3), (-3, 3)),
    ("exp2", (-30, 30), (-4, 4)),
    ("log2", (0, 100), (0.1, 10)),
    ("log10", (0, 100), (0.1, 10)),
    ("rsqrt", (0, 100), (0.1, 10)),
    ("erf", (-5, 5), (-3, 3)),
    ("erfc", (-5, 12), (-3, 3)),
    ("erfinv", (-1, 1), (-0.95, 0.95)),
]
for op, (lo, hi), (glo, ghi) in FLOAT_FUNCS:
    fn = getattr(torch, op)
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        sp = specials(dt)
        if op == "erfinv":  # the interesting part is near +-1
            sp = np.concatenate([sp, np.array([0.9, -0.99, 0.999999, -0.9999999, 1 - 2.0 ** -20, 0.1, 0.01], dt)])
        # PyTorch's erfinv is the less accurate one near +-1 (mpmath agrees
        # with wick: erfinv(0.999999) = 3.45891073727549878, PyTorch
        # 3.4589107372831749, off by 2e-12, and by 1.6e-11 at -0.9999999;
        # float32 erfinv(-0.99999988) is off by 7e-6).
        tol = {"rtol": 1e-5 if tag == "f32" else 1e-10} if op == "erfinv" else {}
        case(f"{op}_special_{tag}", op, fn, [sp], **tol)
        case(f"{op}_random_{tag}", op, fn, [rng.uniform(lo, hi, (5, 7)).astype(dt)], **tol)
        case(f"{op}_strided_{tag}", op, fn, [rng.uniform(lo, hi, (6, 4)).astype(dt)], view="t")
    if op == "expm1":  # where e^x - 1 would cancel
        for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
            small = np.concatenate([rng.uniform(-0.5, 0.5, 40), rng.uniform(-1e-4, 1e-4, 20), [0.49, -0.51, 0.5, -0.5]])
            case(f"{op}_small_{tag}", op, fn, [small.astype(dt)])
    case(f"{op}_int64", op, fn, [np.array([-3, -1, 0, 1, 2, 7], np.int64) if op != "erfinv" else np.array([-1, 0, 1], np.int64)])
    case(f"{op}_bool", op, fn, [np.array([True, False])])
    case(f"{op}_grad_f64", op, fn, [rng.uniform(glo, ghi, (3, 5))], grad=True)
    case(f"{op}_grad_f32", op, fn, [rng.uniform(glo, ghi, (4,)).astype(np.float32)], grad=True)

# ---- rounding: the dtype stays, gradient zero ----
halves = np.array([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 0.49999997, -0.49999997, 4503599.5, 1e7 + 0.5])
for op in ("floor", "ceil", "round", "trunc", "frac"):
    fn = getattr(torch, op)
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        case(f"{op}_special_{tag}", op, fn, [specials(dt)])
        case(f"{op}_halves_{tag}", op, fn, [halves.astype(dt)])
        case(f"{op}_random_{tag}", op, fn, [rng.uniform(-50, 50, (5, 7)).astype(dt)])
        case(f"{op}_strided_{tag}", op, fn, [rng.uniform(-50, 50, (6, 4)).astype(dt)], view="t")
    if op != "frac":
        case(f"{op}_int64", op, fn, [np.array([-7, -1, 0, 3, 2**62], np.int64)])
        case(f"{op}_uint8", op, fn, [np.array([0, 7, 255], np.uint8)])
    case(f"{op}_grad_f64", op, fn, [rng.uniform(-5, 5, (3, 4))], grad=True)
for d in (1, 2, 3, -1, -2):
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        vals = np.concatenate([specials(dt)[:5], rng.uniform(-2000, 2000, 20), [0.125, 0.375, 1234.5678, -1234.5678, 0.05, 2.675]])
        name = f"round_d{d}_{tag}".replace("-", "m")
        case(name, "round", lambda t, d=d: torch.round(t, decimals=d), [vals.astype(dt)], decimals=d)

# ---- predicates ----
for op in ("isnan", "isinf", "isposinf", "isneginf"):
    fn = getattr(torch, op)
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        case(f"{op}_special_{tag}", op, fn, [specials(dt)])
        m = rng.uniform(-1, 1, (6, 4)).astype(dt)
        m[rng.uniform(size=m.shape) < 0.3] = NAN
        m[rng.uniform(size=m.shape) < 0.2] = INF
        m[rng.uniform(size=m.shape) < 0.2] = -INF
        case(f"{op}_strided_{tag}", op, fn, [m], view="t")
    case(f"{op}_int64", op, fn, [np.array([-1, 0, 5], np.int64)])
    case(f"{op}_bool", op, fn, [np.array([True, False])])
    case(f"{op}_uint8", op, fn, [np.array([0, 255], np.uint8)])

# ---- nan_to_num ----
NTN_ARGS = [({}, ""), ({"nan": 2.5}, "_nan"), ({"nan": -1.0, "posinf": 7.0, "neginf": -8.0}, "_all"),
            ({"posinf": 1e300}, "_huge")]
for args, suffix in NTN_ARGS:
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        case(f"nan_to_num{suffix}_{tag}", "nan_to_num", lambda t, a=args: torch.nan_to_num(t, **a),
             [specials(dt)], **args)
m = rng.uniform(-1, 1, (6, 4))
m[0, 0], m[1, 2], m[3, 1], m[5, 3] = NAN, INF, -INF, NAN
case("nan_to_num_strided_f64", "nan_to_num", torch.nan_to_num, [m], view="t")
case("nan_to_num_grad_f64", "nan_to_num", lambda t: torch.nan_to_num(t, nan=1.0), [m], grad=True, nan=1.0)
case("nan_to_num_int64", "nan_to_num", lambda t: torch.nan_to_num(t, nan=2.5), [np.array([-1, 0, 5], np.int64)], nan=2.5)
case("nan_to_num_bool", "nan_to_num", torch.nan_to_num, [np.array([True, False])])

# ---- binary: atan2, fmod, remainder ----
GRID = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 0.1, 7.25, -7.25, 1e30, INF, -INF, NAN]


def grid(dt):
    a, b = np.meshgrid(np.array(GRID, dt), np.array(GRID, dt), indexing="ij")
    return a.reshape(-1).copy(), b.reshape(-1).copy()


for op in ("atan2", "fmod", "remainder"):
    fn = getattr(torch, op)
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        case(f"{op}_grid_{tag}", op, fn, list(grid(dt)))
        case(f"{op}_bcast_{tag}", op, fn, [rng.uniform(-10, 10, (3, 1)).astype(dt), rng.uniform(-4, 4, (4,)).astype(dt)])
        case(f"{op}_strided_{tag}", op, fn, [rng.uniform(-10, 10, (5, 3)).astype(dt), rng.uniform(-4, 4, (5, 3)).astype(dt)],
             view="t")
    # (INT64_MIN % -1 is left out: PyTorch's CPU kernel dies of SIGFPE on it;
    # wick gives 0, tests/core/math_ops_test.cpp checks that.)
    ia = np.array([7, -7, 7, -7, 0, 5, -9223372036854775807, 13, -6], np.int64)
    ib = np.array([3, 3, -3, -3, 4, 1, -1, 5, -1], np.int64)
    case(f"{op}_int64", op, fn, [ia, ib])
    case(f"{op}_uint8", op, fn, [np.array([7, 200, 255, 0], np.uint8), np.array([3, 7, 16, 9], np.uint8)])
    case(f"{op}_int64_f32", op, fn, [np.array([7, -7, 3], np.int64), np.array([2.5, 2.5, -0.7], np.float32)])
    case(f"{op}_bool_int64", op, fn, [np.array([True, False, True]), np.array([2, 3, -2], np.int64)]) if op != "atan2" else \
        case(f"{op}_bool_bool", op, fn, [np.array([True, False, True]), np.array([True, True, False])])
    # Gradients away from the quotient's jumps (fmod, remainder) and the origin (atan2).
    ga = rng.uniform(0.2, 0.8, (3, 4)) + rng.integers(-3, 3, (3, 4))
    gb = rng.choice([-1, 1], (4,)) * rng.uniform(1.05, 1.95, (4,))
    ga = ga + 0.5 * gb  # not a multiple of b: keeps a / b off the integers
    case(f"{op}_grad_f64", op, fn, [ga, gb], grad=True)
for op in ("fmod", "remainder"):
    fn = getattr(torch, op)
    for s in (2, -3, 2.5, -0.75):
        for dt, tag in ((np.float32, "f32"), (np.float64, "f64"), (np.int64, "i64")):
            vals = rng.uniform(-10, 10, (7,)) if dt != np.int64 else rng.integers(-10, 10, (7,))
            case(f"{op}_scalar{s}_{tag}".replace("-", "m").replace(".", "p"), op, lambda t, s=s: fn(t, s),
                 [np.array(vals, dt)], scalar=s)
    case(f"{op}_scalar_grad_f64", op, lambda t: fn(t, 1.7), [rng.uniform(-5, 5, (6,))], grad=True, scalar=1.7)
for s in (5, -2.5):
    for dt, tag in ((np.float64, "f64"), (np.int64, "i64")):
        vals = rng.uniform(1, 4, (6,)) * rng.choice([-1, 1], (6,)) if dt != np.int64 else np.array([3, -3, 2, -2, 7, 1])
        case(f"remainder_rscalar{s}_{tag}".replace("-", "m").replace(".", "p"), "remainder",
             lambda t, s=s: torch.remainder(s, t), [np.array(vals, dt)], scalar=s, scalar_first=1)

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("# Generated by tests/reference/make_math_fixtures.py with PyTorch " + torch.__version__ + "\n")
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} cases written to {os.path.normpath(OUT)}")
