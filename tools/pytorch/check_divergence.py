"""Checks rill's exact divergence against PyTorch's Jacobian trace (issue 13), once.

    /usr/bin/python3 tools/pytorch/check_divergence.py build/rill

For each activation and time encoding: a random model (RillMLP, weights ×1.5)
saved with save_rill; `rill logp --solver euler --steps 1 --t T` is then
log N(x − T·u_T(x)) − T·div u_T(x), so the divergence rill used is recovered
from its log p and compared with tr ∂u/∂x from torch.autograd in float64.
Prints the largest difference relative to max(1, |tr J|) per model.
"""
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from rill_torch import RillMLP, save_rill  # noqa: E402


def main(rill):
    torch.manual_seed(0)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for act in ["silu", "relu", "tanh", "gelu", "gelu_tanh"]:
            for time in ["raw", "sin:3"]:
                m = RillMLP(dim=2, width=48, depth=3, activation=act, time=time)
                with torch.no_grad():
                    for p in m.parameters():
                        p.mul_(1.5)
                save_rill(m, f"{tmp}/m.safetensors")
                x = torch.randn(200, 2, dtype=torch.float32)
                np.save(f"{tmp}/x.npy", x.numpy())
                t = 0.6
                subprocess.run([rill, "logp", "--model", f"{tmp}/m.safetensors", "--x", f"{tmp}/x.npy", "--out",
                                f"{tmp}/lp.npy", "--solver", "euler", "--steps", "1", "--t", str(t)], check=True)
                lp = torch.from_numpy(np.load(f"{tmp}/lp.npy")).double()
                xd = x.double().requires_grad_(True)
                u = m.double()(xd, torch.full((200,), t, dtype=torch.float64))
                div = sum(torch.autograd.grad(u[:, i].sum(), xd, retain_graph=True)[0][:, i] for i in range(2))
                x0 = xd - t * u
                rill_div = (-0.5 * (x0 ** 2).sum(1) - math.log(2 * math.pi) - lp) / t
                err = float(((rill_div - div).abs() / div.abs().clamp(min=1.0)).max())
                worst = max(worst, err)
                print(f"{act:9s} {time:5s}: max |div_rill - tr J_torch| / max(1, |tr J|) = {err:.2e}")
    print(f"largest: {worst:.2e} (issue 13 asks within 1e-5)")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/rill"))
