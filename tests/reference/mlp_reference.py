# The MLP of examples/mlp_bn_dropout.cpp in PyTorch, for its accuracy bar:
#   /usr/bin/python3 tests/reference/mlp_reference.py [--schedule none|cosine] [SEED ...]
# (run from the repo root, after scripts/fetch-data.sh). Prints the test
# accuracy after each of the 3 epochs, per seed, and the mean of the last.
# --schedule cosine: torch.optim.lr_scheduler.CosineAnnealingLR(T_max=3),
# stepped once per epoch, as examples/mlp_bn_dropout.cpp and `wick train
# --schedule cosine` do.
import gzip, sys
import numpy as np
import torch

args = sys.argv[1:]
schedule = "none"
if args[:1] == ["--schedule"]:
    schedule, args = args[1], args[2:]
seeds = [int(s) for s in args] or [0]
torch.set_num_threads(1)


def idx(p):
    d = open(p, 'rb').read()
    if d[2] == 8 and d[3] == 3:
        return np.frombuffer(d, np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return np.frombuffer(d, np.uint8, offset=8)


r = 'data/mnist/'
xtr = torch.tensor(idx(r + 'train-images-idx3-ubyte')).float() / 255
ytr = torch.tensor(idx(r + 'train-labels-idx1-ubyte')).long()
xte = torch.tensor(idx(r + 't10k-images-idx3-ubyte')).float() / 255
yte = torch.tensor(idx(r + 't10k-labels-idx1-ubyte')).long()
norm = lambda t: (t - 0.1307) / 0.3081
nn = torch.nn
finals = []
for seed in seeds:
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                      nn.Linear(256, 10))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3) if schedule == "cosine" else None
    accs = []
    for ep in range(3):
        m.train()
        perm = torch.randperm(60000)
        for i in range(0, 60000, 128):
            b = perm[i:i + 128]
            loss = nn.functional.cross_entropy(m(norm(xtr[b])), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if sched:
            sched.step()
        m.eval()
        with torch.no_grad():
            accs.append((m(norm(xte)).argmax(1) == yte).float().mean().item())
    finals.append(accs[-1])
    print(f"schedule {schedule} seed {seed}: " + " ".join(f"{a:.4f}" for a in accs), flush=True)
print(f"schedule {schedule}: mean after 3 epochs {np.mean(finals):.4f} over seeds {seeds}, min {min(finals):.4f}")
