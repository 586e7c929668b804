#!/usr/bin/python3
"""Reference trajectories for wick's optimizers and LR schedules, from PyTorch 1.13.

Run with Debian's python3 (which has torch and numpy):
    /usr/bin/python3 tests/reference/make_optim_fixtures.py
Writes tests/data/optim/:
  params0.npy        float64 [N]: the initial parameters, flattened and concatenated
  grads.npy          float64 [STEPS, N]: the gradient fed at each step (same layout)
  <case>.npy         float64 [STEPS, N]: the parameters after each step
  sched_<case>.npy   float64 [K]: get_last_lr()[0] after construction and after each step
  sched_<case>.mom.npy  float64 [K]: momentum (or beta1) alongside, for OneCycleLR
  sched_<case>.metrics.npy  float64 [K]: the metrics fed to ReduceLROnPlateau.step
  manifest.txt       one line per case: "<kind> <case> key=value ..." (what the C++
                     test constructs; values are Python literals: 0.9, True, cos)

Parameter layout: three tensors of shapes SHAPES below. Parameter 2 gets no
gradient (grad None) at step MISSING_STEP, so it is skipped there: its state and
values stay put, as PyTorch does.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "optim")
SHAPES = [(3, 4), (5,), (2, 2)]
STEPS = 6
MISSING_STEP = 2  # 0-based step at which parameter 2 has grad None
# Gradient magnitudes that rise and fall, so AMSGrad's running max matters.
SCALES = [1.0, 3.0, 0.2, 2.0, 0.05, 1.0]


def fmt(v):
    if isinstance(v, tuple):
        return ",".join(fmt(x) for x in v)
    return repr(v)


def run_optimizer(kind, kwargs, params0, grads, sched=None):
    sizes = [int(np.prod(s)) for s in SHAPES]
    offs = np.cumsum([0] + sizes)
    params = [torch.tensor(params0[offs[i]:offs[i + 1]].reshape(SHAPES[i]), dtype=torch.float64, requires_grad=True)
              for i in range(len(SHAPES))]
    opt = getattr(torch.optim, kind)(params, **kwargs)
    scheduler = None
    if sched is not None:
        sname, skw = sched
        scheduler = getattr(torch.optim.lr_scheduler, sname)(opt, **skw)
    out = np.zeros((STEPS, offs[-1]))
    for s in range(STEPS):
        for i, p in enumerate(params):
            if i == 2 and s == MISSING_STEP:
                p.grad = None
            else:
                p.grad = torch.tensor(grads[s, offs[i]:offs[i + 1]].reshape(SHAPES[i]), dtype=torch.float64)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        out[s] = np.concatenate([p.detach().numpy().ravel() for p in params])
    return out


def optimizer_cases():
    cases = []
    for mom in (0.0, 0.9):
        for damp in (0.0, 0.5):
            for nest in (False, True):
                if nest and (mom == 0 or damp != 0):
                    continue
                for wd in (0.0, 0.01):
                    cases.append(("SGD", dict(lr=0.1, momentum=mom, dampening=damp, nesterov=nest, weight_decay=wd)))
    for kind in ("Adam", "AdamW"):
        for ams in (False, True):
            for wd in ((0.0, 0.1) if kind == "Adam" else (0.0, 0.01, 0.1)):
                cases.append((kind, dict(lr=0.01, amsgrad=ams, weight_decay=wd)))
        cases.append((kind, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, amsgrad=True, weight_decay=0.05)))
    for centered in (False, True):
        for mom in (0.0, 0.9):
            for wd in (0.0, 0.1):
                cases.append(("RMSprop", dict(lr=0.01, alpha=0.99, centered=centered, momentum=mom, weight_decay=wd)))
    cases.append(("RMSprop", dict(lr=0.003, alpha=0.9, eps=1e-4, centered=True, momentum=0.5, weight_decay=0.02)))
    return cases


def sched_cases():
    """(case name, optimizer kind, optimizer kwargs, scheduler, kwargs, steps, metrics or None)."""
    plateau_metrics = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4999, 0.5, 0.5, 0.5, 0.5,
                       0.5, 0.5]
    rising = [0.1, 0.2, 0.2, 0.25, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3001, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
    return [
        ("step_a", "SGD", dict(lr=0.1), "StepLR", dict(step_size=3, gamma=0.5), 12, None),
        ("step_b", "SGD", dict(lr=1.0), "StepLR", dict(step_size=2), 9, None),
        ("cos_a", "SGD", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=5, eta_min=0.001), 25, None),
        ("cos_b", "Adam", dict(lr=0.01), "CosineAnnealingLR", dict(T_max=10), 12, None),
        ("onecycle_cos", "SGD", dict(lr=0.1, momentum=0.9), "OneCycleLR", dict(max_lr=0.1, total_steps=20), 20, None),
        ("onecycle_lin3", "Adam", dict(lr=0.01), "OneCycleLR",
         dict(max_lr=0.05, total_steps=17, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
              final_div_factor=100.0, three_phase=True), 17, None),
        ("onecycle_nomom", "RMSprop", dict(lr=0.01), "OneCycleLR",
         dict(max_lr=0.2, total_steps=10, cycle_momentum=False, pct_start=0.4), 9, None),
        ("plateau_min", "SGD", dict(lr=1.0), "ReduceLROnPlateau",
         dict(patience=2, factor=0.5, cooldown=1, min_lr=0.2), len(plateau_metrics), plateau_metrics),
        ("plateau_max_abs", "SGD", dict(lr=0.5), "ReduceLROnPlateau",
         dict(mode="max", threshold_mode="abs", threshold=0.01, patience=1, factor=0.3), len(rising), rising),
    ]


def momentum_of(opt):
    g = opt.param_groups[0]
    return g["betas"][0] if "betas" in g else g["momentum"]


def run_sched(kind, okw, sname, skw, steps, metrics):
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, kind)([p], **okw)
    sched = getattr(torch.optim.lr_scheduler, sname)(opt, **skw)
    if metrics is not None:
        lrs, moms = [], []
        for m in metrics:
            opt.step()
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(momentum_of(opt))
        return np.array(lrs), np.array(moms)
    lrs, moms = [sched.get_last_lr()[0]], [momentum_of(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(momentum_of(opt))
    return np.array(lrs), np.array(moms)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(1234)
    n = sum(int(np.prod(s)) for s in SHAPES)
    params0 = rng.standard_normal(n)
    grads = rng.standard_normal((STEPS, n)) * np.array(SCALES)[:, None]
    np.save(os.path.join(OUT, "params0.npy"), params0)
    np.save(os.path.join(OUT, "grads.npy"), grads)
    lines = []
    for idx, (kind, kw) in enumerate(optimizer_cases()):
        name = f"{kind.lower()}_{idx:02d}"
        np.save(os.path.join(OUT, name + ".npy"), run_optimizer(kind, kw, params0, grads))
        lines.append(" ".join([kind, name] + [f"{k}={fmt(v)}" for k, v in kw.items()]))
    # Integration: a schedule driving an optimizer (OneCycleLR also cycles Adam's beta1).
    combo = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), "StepLR", dict(step_size=2, gamma=0.3)),
             ("Adam", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.05, total_steps=STEPS)),
             ("RMSprop", dict(lr=0.01, momentum=0.5), "CosineAnnealingLR", dict(T_max=4, eta_min=0.001))]
    for idx, (kind, kw, sname, skw) in enumerate(combo):
        name = f"combo_{idx}"
        np.save(os.path.join(OUT, name + ".npy"), run_optimizer(kind, kw, params0, grads, (sname, skw)))
        lines.append(" ".join([kind, name] + [f"{k}={fmt(v)}" for k, v in kw.items()] +
                              [f"sched={sname}"] + [f"s.{k}={fmt(v)}" for k, v in skw.items()]))
    for name, kind, okw, sname, skw, steps, metrics in sched_cases():
        lrs, moms = run_sched(kind, okw, sname, skw, steps, metrics)
        np.save(os.path.join(OUT, f"sched_{name}.npy"), lrs)
        np.save(os.path.join(OUT, f"sched_{name}.mom.npy"), moms)
        if metrics is not None:
            np.save(os.path.join(OUT, f"sched_{name}.metrics.npy"), np.array(metrics, dtype=np.float64))
        lines.append(" ".join([sname, name, f"opt={kind}"] + [f"o.{k}={fmt(v)}" for k, v in okw.items()] +
                              [f"{k}={fmt(v)}" for k, v in skw.items()] + [f"steps={steps}"]))
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write(f"# made by tests/reference/make_optim_fixtures.py with torch {torch.__version__}\n")
        f.write(f"# shapes {' '.join('x'.join(map(str, s)) for s in SHAPES)} steps {STEPS} missing_step {MISSING_STEP}\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases to {OUT}")


if __name__ == "__main__":
    main()
