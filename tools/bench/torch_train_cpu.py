#!/usr/bin/env python3
"""PyTorch's training step (bench_torch.py's CFM + Adam, default model) on one
thread, timed as tools/bench/kernel_probe.cpp times rill's: the fastest of many
single steps on the thread's CPU clock (a shared machine only ever adds time).
Run: OMP_NUM_THREADS=1 GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184 \
     /usr/bin/python3 tools/bench/torch_train_cpu.py"""
import time

import torch
from torch import nn

torch.set_num_threads(1)


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(),
                         nn.Linear(128, 128), nn.SiLU(), nn.Linear(128, 2))


for batch, reps in ((256, 300), (4096, 30)):
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        x1, x0, t = torch.randn(batch, 2), torch.randn(batch, 2), torch.rand(batch, 1)
        xt = t * x1 + (1 - t) * x0
        loss = ((net(torch.cat([xt, t], dim=1)) - (x1 - x0)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    best = 1e9
    for _ in range(reps):
        t0 = time.thread_time()
        step()
        best = min(best, time.thread_time() - t0)
    print(f"torch train batch {batch}: {best * 1e6:.1f} us/step, {1 / best:.0f} steps/s")
