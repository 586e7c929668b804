"""PyTorch <-> wick state_dicts through torch.save files (ctest: pytorch_pt_interop).

  pt_interop.py <pt_interop_main executable> <scratch dir>

Trains an MLP Linear(20,32)-BatchNorm1d-ReLU-Dropout(0.2)-Linear(32,5) for a
few Adam steps in PyTorch and torch.save's its state_dict (torch_mlp.pt) and
a checkpoint dict {model_state_dict, optimizer_state_dict, epoch}
(torch_ckpt.pt), with its eval output on a fixed input; pt_interop_main
loads both into wick and compares outputs. Then it loads wick's
save_pytorch file (wick_mlp.pt) with plain torch.load, checks that it is an
OrderedDict in state_dict order that load_state_dict(strict=True) accepts
and that gives wick's outputs, that torch.load(weights_only=True) accepts it
too (when this torch has that argument), and that its zip entries are stored
and 64-byte aligned as torch.save's own.

Exits 77 (ctest SKIP_RETURN_CODE) when torch cannot be imported.
"""
import collections
import inspect
import os
import subprocess
import sys
import zipfile

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # noqa: F841
    print(f"SKIP pytorch_pt_interop: cannot import torch/numpy with {sys.executable} ({e})")
    sys.exit(77)

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def mlp():
    return nn.Sequential(nn.Linear(20, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 5))


def torch_side(out_dir, x):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(3):
        loss = model(torch.randn(16, 20) * 2 + 0.5).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(x)
    torch.save(model.state_dict(), os.path.join(out_dir, "torch_mlp.pt"))
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "epoch": 3},
               os.path.join(out_dir, "torch_ckpt.pt"))
    np.save(os.path.join(out_dir, "torch_mlp_out.npy"), out.numpy())


def check_wick_file(out_dir, x):
    path = os.path.join(out_dir, "wick_mlp.pt")
    if not os.path.exists(path):
        check(False, "pt_interop_main wrote wick_mlp.pt")
        return
    sd = torch.load(path)
    model = mlp()
    check(type(sd) is collections.OrderedDict, f"torch.load returns an OrderedDict (got {type(sd).__name__})")
    check(list(sd) == list(model.state_dict()), "keys in wick's order equal torch's state_dict order")
    for k, v in model.state_dict().items():
        ok = k in sd and sd[k].dtype == v.dtype and sd[k].shape == v.shape and not sd[k].requires_grad
        check(ok, f"{k} {tuple(v.shape)} {v.dtype}")
    try:
        model.load_state_dict(sd, strict=True)
        check(True, "load_state_dict(strict=True)")
    except RuntimeError as e:
        check(False, f"load_state_dict(strict=True): {e}")
        return
    nbt = model[1].num_batches_tracked
    check(nbt.dtype == torch.int64 and nbt.dim() == 0 and int(nbt) == 3, f"num_batches_tracked is int64 0-d = 3 (got {nbt})")
    model.eval()
    with torch.no_grad():
        out = model(x).numpy()
    want = np.load(os.path.join(out_dir, "wick_mlp_out.npy"))
    diff = float(np.max(np.abs(out.astype(np.float64) - want))) if out.shape == want.shape else float("inf")
    check(diff <= 1e-5, f"torch output with wick weights matches wick (max abs diff {diff:.3g})")
    if "weights_only" in inspect.signature(torch.load).parameters:
        try:
            safe = torch.load(path, weights_only=True)
            same = list(safe) == list(sd) and all(torch.equal(safe[k], sd[k]) for k in sd)
            check(same, "torch.load(weights_only=True) gives the same tensors")
        except Exception as e:  # noqa: BLE001
            check(False, f"torch.load(weights_only=True): {e}")
    else:
        print(f"skip weights_only: torch {torch.__version__} has no such argument")
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        raw = f.read()
        for info in z.infolist():
            name_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
            extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
            start = info.header_offset + 30 + name_len + extra_len
            check(info.compress_type == zipfile.ZIP_STORED and start % 64 == 0,
                  f"entry {info.filename} stored, data at {start} (64-byte aligned)")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith((".pt", ".npy")):
            os.remove(os.path.join(out_dir, f))
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}")
    torch.manual_seed(42)
    x = torch.randn(4, 20)
    np.save(os.path.join(out_dir, "x.npy"), x.numpy())
    torch_side(out_dir, x)

    r = subprocess.run([exe, out_dir], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stdout.write(r.stderr)
    check(r.returncode == 0, f"pt_interop_main exited {r.returncode}")
    check_wick_file(out_dir, x)
    print("PASS" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
