# The recipe of examples/sine_regression.cpp in PyTorch 1.13, for its bar:
# an MLP 1-32-32-1 with Tanh fits y = sin(x) on [-pi, pi] (1000 points, full
# batch, Adam 1e-2, 1000 steps); the test MSE against sin on 500 uniform
# points. Run: /usr/bin/python3 tests/reference/sine_regression.py
import math
import time

import torch
from torch import nn

for seed in range(3):
    torch.manual_seed(seed)
    x = torch.linspace(-math.pi, math.pi, 1000).unsqueeze(1)
    y = torch.sin(x)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    t0 = time.perf_counter()
    for step in range(1000):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    took = time.perf_counter() - t0
    xt = torch.rand(500, 1) * 2 * math.pi - math.pi
    with torch.no_grad():
        mse = nn.functional.mse_loss(model(xt), torch.sin(xt)).item()
    print(f"seed {seed}: train loss {loss.item():.3e}, test mse {mse:.3e}, {took:.2f} s")
