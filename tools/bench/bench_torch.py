#!/usr/bin/env python3
"""The PyTorch side of `make bench-torch`: the workloads of `rill bench`, set up
as shared/docs/BENCHMARKS.md says a competent user would (OpenBLAS, no_grad,
the fastest of eager / traced+frozen / scripted loop, one or two threads).

Prints one JSON object: {"torch": version, "blas": ..., "results": [...]} with
the same rows as `rill bench --json` (what, batch, threads, per_second).
Run with /usr/bin/python3 (Debian's python3-torch) and, for batch >= 4096,
GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184.
"""
import json
import os
import subprocess
import sys
import time

# OpenBLAS picks its kernels from the CPU model, and 0.3.21 (Debian 12) does not know every model it
# runs on: on an Intel Xeon of family 6 model 207 (AVX-512) it chose "Prescott", its SSE3 kernels —
# 394 k evaluations/s at batch 256, where its SkylakeX kernels run the same products 2x as fast
# (2026-12-07). A competent user would not time that: when OpenBLAS's choice is one of its generic
# pre-AVX cores and the CPU has AVX-512 or AVX2 + FMA, name the kernels it should take
# (OPENBLAS_CORETYPE, read when the library loads). A choice the user made is kept.
CORE_QUERY = """
import ctypes, torch
torch.randn(8, 8) @ torch.randn(8, 8)
paths = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.lower()})
for p in paths:
    try:
        f = ctypes.CDLL(p).openblas_get_corename
    except (OSError, AttributeError):
        continue
    f.restype = ctypes.c_char_p
    print(f().decode())
    break
"""
GENERIC_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
                 "northwood", "banias", "generic"}


def openblas_core():
    try:
        out = subprocess.run([sys.executable, "-c", CORE_QUERY], capture_output=True, text=True, timeout=120)
        return out.stdout.strip().lower()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


openblas_note = ""
if "OPENBLAS_CORETYPE" not in os.environ:
    core = openblas_core()
    flags = cpu_flags()
    want = ("SkylakeX" if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags
            else "Haswell" if {"avx2", "fma"} <= flags else "")
    if core in GENERIC_CORES and want:
        os.environ["OPENBLAS_CORETYPE"] = want
        openblas_note = f"OpenBLAS chose {core} for this CPU; OPENBLAS_CORETYPE={want} set"
        print("bench_torch:", openblas_note, file=sys.stderr)

import torch  # noqa: E402  (after OPENBLAS_CORETYPE: OpenBLAS reads it when it loads)
from torch import nn  # noqa: E402

quick = "--quick" in sys.argv
max_threads = 2
for a in sys.argv[1:]:
    if a.startswith("--threads="):
        max_threads = int(a.split("=", 1)[1])


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(),
                         nn.Linear(128, 128), nn.SiLU(), nn.Linear(128, 2))


# As `rill bench` times its side: the fastest of `reps` rounds, each at least
# min_s long (a shared machine only ever adds time), so that the ratio
# compares one statistic with the same statistic.
def fastest_time(fn, reps, min_s):
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        s = time.perf_counter() - t0
        if s >= min_s or calls > 1 << 20:
            break
        calls = max(calls * 2, int(calls * min_s / max(s, 1e-9) * 1.2))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        ts.append((time.perf_counter() - t0) / calls)
    return min(ts)


class EulerLoop(nn.Module):
    def __init__(self, net, steps):
        super().__init__()
        self.net, self.steps = net, steps

    def forward(self, x):
        h = 1.0 / self.steps
        for i in range(self.steps):
            t = torch.full((x.shape[0], 1), i * h)
            x = x + h * self.net(torch.cat([x, t], dim=1))
        return x


def sampling(batch, steps, reps, min_s):
    net = model().eval()
    x0 = torch.randn(batch, 2)
    best = None
    with torch.no_grad():
        modes = {"eager": EulerLoop(net, steps)}
        try:
            traced = torch.jit.freeze(torch.jit.trace(net, torch.randn(batch, 3)).eval())
            modes["traced"] = EulerLoop(traced, steps)
        except Exception:  # noqa: BLE001 - a mode that fails is skipped
            pass
        try:
            modes["scripted"] = torch.jit.script(EulerLoop(net, steps))
        except Exception:  # noqa: BLE001
            pass
        for name, loop in modes.items():
            loop(x0)  # warm-up (and TorchScript profiling runs)
            loop(x0)
            s = fastest_time(lambda: loop(x0), reps, min_s)
            if best is None or s < best[0]:
                best = (s, name)
    return best


def training(batch, reps, min_s):
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        # moons-like data: the cost does not depend on the dataset
        x1 = torch.randn(batch, 2)
        x0 = torch.randn(batch, 2)
        t = torch.rand(batch, 1)
        xt = t * x1 + (1 - t) * x0
        loss = ((net(torch.cat([xt, t], dim=1)) - (x1 - x0)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    return fastest_time(step, reps, min_s)


def mapped(word):
    """The shared libraries this process has mapped whose path contains `word` (after a
    product, so that torch has loaded its BLAS)."""
    torch.randn(8, 8) @ torch.randn(8, 8)
    return sorted({line.split()[-1] for line in open("/proc/self/maps") if word in line.lower()})


def blas_threads(n):
    """OpenBLAS keeps its own thread pool, sized by OMP_NUM_THREADS when it loaded, which
    torch.set_num_threads does not touch in Debian's build: with OMP_NUM_THREADS=2 the
    "one thread" products ran on two (1.5 cores of CPU time per second of wall time at
    batch 4096). Set it with torch's. Returns whether it could."""
    import ctypes
    for path in mapped("openblas"):
        try:
            ctypes.CDLL(path).openblas_set_num_threads(n)
            return True
        except (OSError, AttributeError):
            continue
    return False


reps, min_s = (8, 0.005) if quick else (20, 0.01)  # as rill bench
rows = []
threads_list = [1] + ([2] if max_threads >= 2 else [])
# Debian's torch links the generic libblas.so.3: unless OpenBLAS provides it, that is the reference
# BLAS, some 16x slower (65 k evaluations/s at batch 256 on a Xeon, 2026-12-07): no comparison.
reference = [p for p in mapped("libblas") if "openblas" not in p]
if reference:
    sys.exit("bench_torch: PyTorch's BLAS is %s, not OpenBLAS: apt-get install -y libopenblas0-pthread "
             "(or update-alternatives --auto libblas.so.3-x86_64-linux-gnu)" % reference[0])
for threads in threads_list:
    torch.set_num_threads(threads)
    if not blas_threads(threads):
        print("bench_torch: cannot set OpenBLAS's threads; the BLAS may use more than", threads, file=sys.stderr)
    for batch in ([1, 256, 4096] if quick else [1, 16, 256, 4096, 65536]):
        steps = max(1, min(100, 200000 // batch))
        s, mode = sampling(batch, steps, reps, min_s)
        rows.append({"what": "sample", "batch": batch, "threads": threads, "per_second": batch * steps / s,
                     "mode": mode})
        print(f"torch sample batch {batch} threads {threads}: {batch * steps / s:.0f} ev/s ({mode})",
              file=sys.stderr)
    for batch in (256, 4096):
        s = training(batch, reps, min_s)
        rows.append({"what": "train", "batch": batch, "threads": threads, "per_second": 1 / s})
        print(f"torch train batch {batch} threads {threads}: {1 / s:.1f} steps/s", file=sys.stderr)

# Which BLAS this process really loaded (Debian's torch links libblas.so.3, which
# the alternatives system points at OpenBLAS once libopenblas0-pthread is installed).
blas = "unknown"
try:
    libs = mapped("blas")
    blas = ", ".join(libs) if libs else "none mapped"
except Exception:  # noqa: BLE001
    pass
core = os.environ.get("OPENBLAS_CORETYPE", "")
print(json.dumps({"torch": torch.__version__, "blas": blas + (f"; OPENBLAS_CORETYPE={core}" if core else "")
                  + (f" ({openblas_note})" if openblas_note else ""), "results": rows}))
