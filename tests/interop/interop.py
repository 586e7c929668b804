"""PyTorch <-> wick state_dict interop through safetensors (ctest: pytorch_interop).

  interop.py <interop_main executable> <scratch dir>

Builds nn.Sequential(Flatten, Linear(784, 10)) and the MLP
Flatten-Linear(784,256)-BatchNorm1d-ReLU-Dropout(0.2)-Linear(256,10) and
the CNN Conv2d(1,8,3,pad 1)-BatchNorm2d-ReLU-MaxPool2d(2)-Conv2d(8,16,3,
stride 2)-ReLU-AvgPool2d(2)-Flatten-Linear(144,10) in PyTorch, writes their state_dicts (BatchNorm statistics moved by a few
training passes) and their eval outputs on a fixed input; interop_main loads
them into wick and compares. Then it loads wick's own checkpoints into fresh
PyTorch models with load_state_dict(strict=True) and compares outputs.

Exits 77 (ctest SKIP_RETURN_CODE) when torch cannot be imported. Uses the
`safetensors` package when present, else the json+numpy codec in st_io.py.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # noqa: F841
    print(f"SKIP pytorch_interop: cannot import torch/numpy with {sys.executable} ({e})")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

try:
    from safetensors.numpy import load_file as _st_load, save_file as _st_save

    def save_file(arrays, path, metadata=None):
        _st_save(arrays, path, metadata=metadata)

    def load_file(path):
        arrays = _st_load(path)
        return arrays, {}

    CODEC = "safetensors package"
except ImportError:
    save_file, load_file, CODEC = st_io.save_file, st_io.load_file, "json+numpy (st_io.py)"

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def softmax_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def mlp_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(256, 10))


def cnn_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(144, 10))


MODELS = (("softmax", softmax_model), ("mlp", mlp_model), ("cnn", cnn_model))


def to_numpy(sd):
    return {k: v.detach().cpu().numpy() for k, v in sd.items()}


def torch_side(out_dir, x):
    torch.manual_seed(0)
    for name, make in MODELS:
        model = make()
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(16, 1, 28, 28) * 2 + 0.5)
        model.eval()
        with torch.no_grad():
            out = model(x)
        save_file(to_numpy(model.state_dict()), os.path.join(out_dir, f"torch_{name}.safetensors"), {"format": "pt"})
        np.save(os.path.join(out_dir, f"torch_{name}_out.npy"), out.numpy())


def check_wick_file(out_dir, name, make, x):
    path = os.path.join(out_dir, f"wick_{name}.safetensors")
    if not os.path.exists(path):
        print(f"skip {name}: interop_main wrote no {os.path.basename(path)}")
        return
    arrays, _ = load_file(path)
    model = make()
    expected = model.state_dict()
    if save_file is st_io.save_file:  # st_io returns tensors in header order
        check(list(arrays) == list(expected), f"{name}: wick keys in header order equal torch's state_dict order")
    bad = st_io.misaligned(path)
    check(not bad, f"{name}: every tensor aligned to its element size in the file" + (f" (not: {bad})" if bad else ""))
    for k, v in expected.items():
        a = arrays.get(k)
        ok = a is not None and tuple(a.shape) == tuple(v.shape) and torch.from_numpy(a).dtype == v.dtype
        check(ok, f"{name}: {k} {tuple(v.shape)} {v.dtype}" + ("" if ok else f" vs {None if a is None else (a.shape, a.dtype)}"))
    try:
        model.load_state_dict({k: torch.from_numpy(np.array(a)) for k, a in arrays.items()}, strict=True)
    except RuntimeError as e:
        check(False, f"{name}: load_state_dict(strict=True): {e}")
        return
    check(True, f"{name}: load_state_dict(strict=True)")
    if name in ("mlp", "cnn"):
        nbt = model[2 if name == "mlp" else 1].num_batches_tracked
        check(nbt.dtype == torch.int64 and nbt.dim() == 0 and int(nbt) == 3,
              f"{name}: num_batches_tracked is int64 0-d = 3 (got {nbt.dtype}, dim {nbt.dim()}, {int(nbt)})")
    model.eval()
    with torch.no_grad():
        out = model(x).numpy()
    want = np.load(os.path.join(out_dir, f"wick_{name}_out.npy"))
    diff = float(np.max(np.abs(out.astype(np.float64) - want))) if out.shape == want.shape else float("inf")
    check(diff <= 1e-5, f"{name}: torch output with wick weights matches wick (max abs diff {diff:.3g})")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith((".safetensors", ".npy")):
            os.remove(os.path.join(out_dir, f))
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, codec: {CODEC}")
    torch.manual_seed(42)
    x = torch.randn(4, 1, 28, 28)
    np.save(os.path.join(out_dir, "x.npy"), x.numpy())
    torch_side(out_dir, x)

    r = subprocess.run([exe, out_dir], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stdout.write(r.stderr)
    check(r.returncode == 0, f"interop_main exited {r.returncode}")

    for name, make in MODELS:
        check_wick_file(out_dir, name, make, x)
    print("PASS" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
