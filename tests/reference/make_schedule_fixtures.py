#!/usr/bin/python3
"""Reference learning rates for wick's schedules beyond make_optim_fixtures.py, from PyTorch 1.13.

Run with Debian's python3 (which has torch):
    /usr/bin/python3 tests/reference/make_schedule_fixtures.py
Writes tests/data/schedule/sequences.txt, four lines per case (floats as
Python's repr: the shortest text that reads back to the same float64):
  case <name> <Scheduler> lr=<SGD lr> key=value ... steps=N resume=K [epochs=e,e,...]
       inner schedules of SequentialLR / ChainedScheduler as s<i>=<Scheduler> s<i>.key=value,
       LambdaLR / MultiplicativeLR functions by name (LAMBDAS below; the C++ test has the same),
       epochs: call step(epoch) with these instead of step() (ints: the integer form)
  lrs v0 v1 ... vN      get_last_lr()[0] after construction and after each step
  resumed vK+1 ... vN   the same, from a scheduler (and optimizer) built afresh that
                        loaded the state_dict()s saved after step K
  state key=value ...   PyTorch's scheduler state_dict() after step K, its numeric
                        mutable entries (STATE_KEYS), nested lists flattened as
                        _schedulers.<i>.<key>, one-element lists as their element
"""
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler as S

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "schedule")
STATE_KEYS = {"last_epoch", "_step_count", "base_lrs", "_last_lr", "T_i", "T_cur"}

LAMBDAS = {
    "pow95": lambda e: 0.95 ** e,
    "warm4": lambda e: min(1.0, (e + 1) / 4),
    "invsqrt": lambda e: 1.0 / math.sqrt(e + 1),
    "const9": lambda e: 0.9,
    "alt": lambda e: 0.5 if e % 3 == 0 else 1.1,
}


def leaf(kind, **kw):
    return (kind, kw)


# (name, lr, scheduler spec, extra, steps, resume_at, epochs or None)
# spec: (kind, kwargs) or ("SequentialLR", [specs], milestones) or ("ChainedScheduler", [specs])
def cases():
    c = []
    add = lambda name, lr, spec, steps, resume, epochs=None: c.append((name, lr, spec, steps, resume, epochs))
    add("multistep_a", 0.1, leaf("MultiStepLR", milestones=[2, 5, 6], gamma=0.5), 10, 4)
    add("multistep_b", 0.01, leaf("MultiStepLR", milestones=[3]), 6, 2)
    add("multistep_c", 1.0, leaf("MultiStepLR", milestones=[0, 1, 2, 3, 4], gamma=0.9), 8, 3)
    add("multistep_jump", 0.3, leaf("MultiStepLR", milestones=[2, 4], gamma=0.3), 4, 2, [5, 1, 4, 2])
    add("exp_a", 0.1, leaf("ExponentialLR", gamma=0.9), 20, 7)
    add("exp_b", 1.0, leaf("ExponentialLR", gamma=0.5), 12, 5)
    add("exp_c", 0.01, leaf("ExponentialLR", gamma=1.05), 10, 9)
    add("exp_jump", 0.2, leaf("ExponentialLR", gamma=0.7), 4, 1, [3, 9, 0, 4])
    add("linear_a", 0.1, leaf("LinearLR"), 10, 3)
    add("linear_b", 0.05, leaf("LinearLR", start_factor=0.1, end_factor=1.0, total_iters=3), 6, 2)
    add("linear_c", 1.0, leaf("LinearLR", start_factor=1.0, end_factor=0.05, total_iters=7), 10, 4)
    add("linear_d", 0.3, leaf("LinearLR", start_factor=0.25, end_factor=0.0, total_iters=4), 6, 4)
    add("linear_jump", 0.1, leaf("LinearLR", start_factor=0.2, total_iters=6), 4, 2, [2, 5, 9, 0])
    add("constant_a", 0.1, leaf("ConstantLR"), 8, 3)
    add("constant_b", 0.05, leaf("ConstantLR", factor=0.5, total_iters=2), 5, 2)
    add("constant_c", 0.7, leaf("ConstantLR", factor=0.1, total_iters=1), 4, 1)
    add("constant_jump", 0.3, leaf("ConstantLR", factor=0.3, total_iters=3), 4, 2, [1, 3, 7, 2])
    add("poly_a", 0.1, leaf("PolynomialLR"), 8, 3)
    add("poly_b", 0.5, leaf("PolynomialLR", total_iters=4, power=2.0), 6, 2)
    add("poly_c", 0.01, leaf("PolynomialLR", total_iters=10, power=0.5), 12, 6)
    add("poly_jump", 0.1, leaf("PolynomialLR", total_iters=6, power=3.0), 4, 2, [2, 5, 11, 1])
    add("lambda_pow95", 0.1, leaf("LambdaLR", lr_lambda="pow95"), 10, 4)
    add("lambda_warm4", 0.02, leaf("LambdaLR", lr_lambda="warm4"), 7, 2)
    add("lambda_invsqrt", 1.0, leaf("LambdaLR", lr_lambda="invsqrt"), 9, 5, [3, 7, 1, 0, 2, 4, 5, 6, 8])
    add("mult_const9", 0.1, leaf("MultiplicativeLR", lr_lambda="const9"), 10, 4)
    add("mult_alt", 0.3, leaf("MultiplicativeLR", lr_lambda="alt"), 9, 3)
    add("mult_jump", 0.3, leaf("MultiplicativeLR", lr_lambda="alt"), 4, 2, [4, 0, 3, 5])
    add("step_jump", 0.1, leaf("StepLR", step_size=3, gamma=0.5), 4, 2, [4, 7, 1, 9])
    add("cos_jump", 0.1, leaf("CosineAnnealingLR", T_max=5, eta_min=0.001), 4, 2, [3, 8, 0, 5])
    add("cawr_a", 0.1, leaf("CosineAnnealingWarmRestarts", T_0=3), 10, 4)
    add("cawr_b", 0.05, leaf("CosineAnnealingWarmRestarts", T_0=2, T_mult=2, eta_min=0.001), 20, 9)
    add("cawr_c", 1.0, leaf("CosineAnnealingWarmRestarts", T_0=1, T_mult=3), 15, 5)
    add("cawr_frac", 0.1, leaf("CosineAnnealingWarmRestarts", T_0=2, T_mult=2), 25, 10, [i / 4 for i in range(25)])
    add("cawr_frac1", 0.1, leaf("CosineAnnealingWarmRestarts", T_0=3, eta_min=0.01), 7, 3,
        [0.5, 1.7, 3.0, 3.2, 7.9, 9.0, 2.5])
    add("cawr_jump", 0.1, leaf("CosineAnnealingWarmRestarts", T_0=2, T_mult=2), 6, 3, [1, 5, 13, 2, 30, 14])
    # math.log(243, 3) is 4.999999999999999: PyTorch puts epoch 121 at the end of period 4 (T_cur = T_i = 81).
    add("cawr_jump3", 0.1, leaf("CosineAnnealingWarmRestarts", T_0=1, T_mult=3, eta_min=0.001), 6, 3,
        [121, 120.5, 40, 13, 364, 122.25])
    lin = lambda **kw: leaf("LinearLR", **kw)
    add("seq_warmup_cos", 0.1, ("SequentialLR", [lin(start_factor=0.1, end_factor=1.0, total_iters=3),
                                                 leaf("CosineAnnealingLR", T_max=7)], [3]), 14, 5)
    # The `wick train --warmup 2 --epochs 3|4 --schedule cosine|step|none --lr 0.05` schedules (tests/cli/cli_warmup.cpp).
    add("cli_warmup_cosine", 0.05, ("SequentialLR", [lin(start_factor=0.1, end_factor=1.0, total_iters=2),
                                                     leaf("CosineAnnealingLR", T_max=1)], [2]), 2, 1)
    add("cli_warmup_cosine4", 0.05, ("SequentialLR", [lin(start_factor=0.1, end_factor=1.0, total_iters=2),
                                                      leaf("CosineAnnealingLR", T_max=2)], [2]), 3, 2)
    add("cli_warmup_step", 0.05, ("SequentialLR", [lin(start_factor=0.1, end_factor=1.0, total_iters=2),
                                                   leaf("StepLR", step_size=1, gamma=0.1)], [2]), 3, 2)
    add("cli_warmup_none", 0.05, lin(start_factor=0.1, end_factor=1.0, total_iters=2), 3, 1)
    add("seq_three", 0.2, ("SequentialLR", [leaf("ConstantLR", factor=0.5, total_iters=2),
                                            leaf("ExponentialLR", gamma=0.9),
                                            leaf("MultiStepLR", milestones=[2, 4], gamma=0.5)], [3, 6]), 12, 4)
    add("seq_restarts", 0.1, ("SequentialLR", [lin(start_factor=0.25, end_factor=1.0, total_iters=2),
                                               leaf("CosineAnnealingWarmRestarts", T_0=2, T_mult=2, eta_min=0.001)],
                              [2]), 12, 7)
    add("seq_mult", 0.1, ("SequentialLR", [leaf("ExponentialLR", gamma=0.8),
                                           leaf("MultiplicativeLR", lr_lambda="const9"),
                                           leaf("LambdaLR", lr_lambda="pow95")], [3, 5]), 9, 4)
    add("seq_constant_second", 0.1, ("SequentialLR", [lin(start_factor=0.5, total_iters=2),
                                                      leaf("ConstantLR", factor=0.25, total_iters=3)], [2]), 7, 3)
    add("chained_a", 0.1, ("ChainedScheduler", [leaf("ConstantLR", factor=0.1, total_iters=3),
                                                leaf("ExponentialLR", gamma=0.9)]), 8, 2)
    add("chained_b", 0.05, ("ChainedScheduler", [lin(start_factor=0.5, total_iters=4),
                                                 leaf("CosineAnnealingLR", T_max=5)]), 10, 6)
    add("chained_c", 1.0, ("ChainedScheduler", [leaf("MultiStepLR", milestones=[2, 5]),
                                                leaf("PolynomialLR", total_iters=6, power=2.0)]), 8, 3)
    return c


def build(opt, spec):
    kind = spec[0]
    if kind == "SequentialLR":
        return S.SequentialLR(opt, [build(opt, s) for s in spec[1]], milestones=list(spec[2]))
    if kind == "ChainedScheduler":
        return S.ChainedScheduler([build(opt, s) for s in spec[1]])
    kw = dict(spec[1])
    if "lr_lambda" in kw:
        kw["lr_lambda"] = LAMBDAS[kw["lr_lambda"]]
    return getattr(S, kind)(opt, **kw)


def fmt(v):
    if isinstance(v, (list, tuple)):
        return ",".join(fmt(x) for x in v)
    return repr(v)


def describe(spec, prefix=""):
    kind = spec[0]
    out = [f"{prefix}{kind}" if not prefix else f"{prefix[:-1]}={kind}"]
    if kind in ("SequentialLR", "ChainedScheduler"):
        for i, s in enumerate(spec[1]):
            out += describe(s, f"{prefix}s{i}.")
        if kind == "SequentialLR":
            out.append(f"{prefix}milestones={fmt(spec[2])}")
    else:
        out += [f"{prefix}{k}={fmt(v)}" for k, v in spec[1].items()]
    return out


def flat_state(sd, prefix=""):
    out = {}
    for k, v in sd.items():
        if k == "_schedulers":
            for i, s in enumerate(v):
                out.update(flat_state(s, f"{prefix}_schedulers.{i}."))
        elif k in STATE_KEYS:
            if isinstance(v, list):
                assert len(v) == 1
                v = v[0]
            out[prefix + k] = float(v)
    return out


def run(lr, spec, steps, epochs, start=0, state=None):
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = build(opt, spec)
    if state is not None:
        opt.load_state_dict(state[0])
        sched.load_state_dict(state[1])
    lrs = [] if state is not None else [sched.get_last_lr()[0]]
    for i in range(start, steps):
        opt.step()
        if epochs is None:
            sched.step()
        else:
            sched.step(epochs[i])
        lrs.append(sched.get_last_lr()[0])
    return lrs, opt, sched


def main():
    warnings.simplefilter("ignore")
    os.makedirs(OUT, exist_ok=True)
    lines = [f"# made by tests/reference/make_schedule_fixtures.py with torch {torch.__version__}"]
    for name, lr, spec, steps, resume, epochs in cases():
        lrs, _, _ = run(lr, spec, steps, epochs)
        _, opt, sched = run(lr, spec, resume, epochs)
        saved = (opt.state_dict(), sched.state_dict())
        state = flat_state(saved[1])
        resumed, _, _ = run(lr, spec, steps, epochs, start=resume, state=saved)
        head = ["case", name] + describe(spec) + [f"lr={fmt(lr)}", f"steps={steps}", f"resume={resume}"]
        if epochs is not None:
            head.append(f"epochs={fmt(epochs)}")
        lines.append(" ".join(head))
        lines.append("lrs " + " ".join(fmt(v) for v in lrs))
        lines.append("resumed " + " ".join(fmt(v) for v in resumed))
        lines.append("state " + " ".join(f"{k}={fmt(v)}" for k, v in state.items()))
    with open(os.path.join(OUT, "sequences.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(cases())} cases to {OUT}/sequences.txt")


if __name__ == "__main__":
    main()
