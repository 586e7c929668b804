#!/usr/bin/python3
"""The three MNIST training tasks of issue 6, and a small CNN, in PyTorch, for bench/compare.

    /usr/bin/python3 bench/reference/torch_train.py --task softmax|binary|mlp|cnn \
        [--data data/mnist] [--threads N] [--epochs E] [--seed S]

Same protocol as bench/wick_train_bench.cpp and libtorch_train.cpp:
  load:  IDX files read once into float32 [N, 784], /255, then
         (x - 0.1307) / 0.3081 in place; binary targets float [N, 1] of y == 0.
  epoch: torch.randperm shuffle, batches of 128 (last partial) gathered by
         indexing (x[idx]) -- the fast in-memory path, not DataLoader, whose
         per-sample collation would measure Python rather than PyTorch.
  eval:  whole test set, one no-grad forward, model.eval() (cnn: chunks of
         128 images, as wick, whose convolution windows for the whole set
         would need over 1 GB; bench/wick_train_bench.cpp says why not 1000).
cnn: Conv2d(1,16,3,p=1), ReLU, MaxPool2d(2), Conv2d(16,32,3,p=1), ReLU,
MaxPool2d(2), Flatten, Linear(32*7*7,10); Adam lr 1e-3; 1 epoch by default;
the same normalized pixels, viewed as [N, 1, 28, 28].
Default init (Linear and Conv2d: kaiming_uniform(a=sqrt(5)) weights, that is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and uniform bias of the same bound).
Prints one line "RESULT {json}".
"""
import argparse
import json
import resource
import time

T_PROCESS = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

T_IMPORTED = time.perf_counter()


def read_idx(path):
    with open(path, "rb") as f:
        raw = bytearray(f.read())  # writable, so torch.from_numpy does not warn
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(root, prefix, binary):
    images = read_idx(f"{root}/{prefix}-images-idx3-ubyte")
    labels = read_idx(f"{root}/{prefix}-labels-idx1-ubyte")
    x = torch.from_numpy(images.reshape(len(images), 784)).to(torch.float32)
    x.div_(255).sub_(0.1307).div_(0.3081)
    y = torch.from_numpy(labels.astype(np.int64))
    if binary:
        y = (y == 0).to(torch.float32).unsqueeze(1)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="softmax", choices=["softmax", "binary", "mlp", "cnn"])
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=-1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    epochs = a.epochs if a.epochs >= 0 else {"softmax": 5, "cnn": 1}.get(a.task, 3)
    binary = a.task == "binary"
    cnn = a.task == "cnn"

    t_start = time.perf_counter()
    x_train, y_train = load(a.data, "train", binary)
    x_test, y_test = load(a.data, "t10k", binary)
    if cnn:
        x_train, x_test = x_train.view(-1, 1, 28, 28), x_test.view(-1, 1, 28, 28)
    load_s = time.perf_counter() - t_start

    torch.manual_seed(a.seed)
    if a.task == "softmax":
        model = nn.Sequential(nn.Linear(784, 10))
    elif binary:
        model = nn.Sequential(nn.Linear(784, 1))
    elif cnn:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    else:
        model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(256, 10))
    if a.task in ("mlp", "cnn"):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = F.binary_cross_entropy_with_logits if binary else F.cross_entropy

    n = x_train.shape[0]
    epoch_s = []
    t_train = time.perf_counter()
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, 128):
            idx = perm[i:i + 128]
            x, y = x_train[idx], y_train[idx]
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        epoch_s.append(time.perf_counter() - t0)
    train_s = time.perf_counter() - t_train

    t_eval = time.perf_counter()
    model.eval()
    with torch.no_grad():
        if cnn:
            correct = sum((model(x_test[i:i + 128]).argmax(1) == y_test[i:i + 128]).sum().item()
                          for i in range(0, len(x_test), 128))
            acc = correct / len(x_test)
        else:
            out = model(x_test)
            correct = ((out > 0).float() == y_test) if binary else (out.argmax(1) == y_test)
            acc = correct.float().mean().item()
    eval_s = time.perf_counter() - t_eval
    total_s = time.perf_counter() - t_start

    print("RESULT " + json.dumps({
        "framework": "pytorch", "task": a.task, "threads": a.threads, "load_s": load_s, "epoch_s": epoch_s,
        "train_s": train_s, "eval_s": eval_s, "total_s": total_s, "acc": acc,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "import_s": T_IMPORTED - T_PROCESS, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
