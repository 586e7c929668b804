# The MLP of examples/mlp_bn_dropout.cpp in PyTorch, for its accuracy bar:
# /usr/bin/python3 tests/reference/mlp_reference.py [seed]  (run from the repo root, after scripts/fetch-data.sh)
import torch, numpy as np, gzip, time, sys
torch.manual_seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
torch.set_num_threads(1)
def idx(p):
    d = open(p,'rb').read()
    if d[2] == 8 and d[3] == 3:
        return np.frombuffer(d, np.uint8, offset=16).reshape(-1,1,28,28)
    return np.frombuffer(d, np.uint8, offset=8)
r='data/mnist/'
xtr=torch.tensor(idx(r+'train-images-idx3-ubyte')).float()/255; ytr=torch.tensor(idx(r+'train-labels-idx1-ubyte')).long()
xte=torch.tensor(idx(r+'t10k-images-idx3-ubyte')).float()/255; yte=torch.tensor(idx(r+'t10k-labels-idx1-ubyte')).long()
norm=lambda t:(t-0.1307)/0.3081
nn=torch.nn
m=nn.Sequential(nn.Flatten(), nn.Linear(784,256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256,10))
opt=torch.optim.Adam(m.parameters(), lr=1e-3)
for ep in range(3):
    m.train(); perm=torch.randperm(60000)
    for i in range(0,60000,128):
        idx_=perm[i:i+128]; loss=nn.functional.cross_entropy(m(norm(xtr[idx_])), ytr[idx_]); opt.zero_grad(); loss.backward(); opt.step()
    m.eval()
    with torch.no_grad(): print(ep+1, (m(norm(xte)).argmax(1)==yte).float().mean().item())
