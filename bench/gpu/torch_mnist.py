#!/usr/bin/env python3
"""The PyTorch side of bench/gpu/gpu_mnist_bench.cpp: the same two MNIST loops
(softmax regression 5 epochs SGD lr 0.1; MLP 784-256-BN-ReLU-Dropout(0.2)-10,
3 epochs Adam 1e-3; batch 128), dataset resident on the GPU, batches picked
with index_select, one synchronization per epoch.

    torch_mnist.py DATA_DIR [softmax|mlp|all] [cuda|cpu]

(cpu only to check the script itself on a machine without a GPU.)

Prints RESULT lines in the wick benchmark's format; exits 0 with a SKIP line
when torch or a CUDA device is missing."""
import gzip
import os
import sys
import time


def read_idx(root, name):
    import numpy as np
    path = os.path.join(root, name)
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "data/mnist"
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    device = sys.argv[3] if len(sys.argv) > 3 else "cuda"
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
        print(f"SKIP impl=torch reason=import-failed ({type(e).__name__})")
        return 0
    cuda = device == "cuda"
    if cuda and not torch.cuda.is_available():
        print("SKIP impl=torch reason=no-cuda-device")
        return 0
    torch.backends.cuda.matmul.allow_tf32 = False  # as wick's default
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(device)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def prep(images):
        x = torch.from_numpy(images.astype("float32") / 255.0).reshape(-1, 784)
        return ((x - 0.1307) / 0.3081).to(dev)

    x_train = prep(read_idx(root, "train-images-idx3-ubyte"))
    y_train = torch.from_numpy(read_idx(root, "train-labels-idx1-ubyte").astype("int64")).to(dev)
    x_test = prep(read_idx(root, "t10k-images-idx3-ubyte"))
    y_test = torch.from_numpy(read_idx(root, "t10k-labels-idx1-ubyte").astype("int64")).to(dev)
    nn = torch.nn
    F = torch.nn.functional

    def run(task, model, opt, epochs):
        n, batch = x_train.shape[0], 128
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        sync()
        epoch_s = []
        t_total = time.perf_counter()
        for _ in range(epochs):
            t0 = time.perf_counter()
            model.train()
            perm = torch.randperm(n).to(dev)
            loss = None
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                x, y = x_train.index_select(0, idx), y_train.index_select(0, idx)
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            loss.item()
            epoch_s.append(time.perf_counter() - t0)
        total = time.perf_counter() - t_total
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        peak = torch.cuda.max_memory_allocated() / (1024 * 1024) if cuda else 0.0
        print(f"RESULT impl=torch task={task} device={'cuda:0' if cuda else 'cpu'} epochs={epochs} "
              f"epoch_s={','.join(f'{s:.3f}' for s in epoch_s)} total_s={total:.3f} accuracy={acc:.4f} "
              f"peak_mib={peak:.1f}", flush=True)

    if which in ("softmax", "all"):
        torch.manual_seed(0)
        model = nn.Linear(784, 10).to(dev)
        run("softmax", model, torch.optim.SGD(model.parameters(), lr=0.1), 5)
    if which in ("mlp", "all"):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(256, 10)).to(dev)
        run("mlp_bn_dropout", model, torch.optim.Adam(model.parameters(), lr=1e-3), 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
