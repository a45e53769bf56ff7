"""PyTorch → rill round trip (issue 18): a tiny model trained in PyTorch with
tools/pytorch/rill_torch.py, saved with save_rill, must give rill's field to
1e-5 for every activation, both time encodings and a class condition (each
class, none, and guidance).

    /usr/bin/python3 tests/pytorch/test_pytorch.py build/rill

Prints one `N passed, M failed` line; without torch it says so and counts nothing.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "pytorch"))

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"pytorch-test skipped: {e} (apt-get install python3-torch, or `make deps`)")
    print("0 passed, 0 failed")
    sys.exit(0)

from rill_torch import RillMLP, save_rill  # noqa: E402

RILL = sys.argv[1] if len(sys.argv) > 1 else "build/rill"
TOL = 1e-5
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}")


def rill(*args):
    r = subprocess.run([RILL, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"rill {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def train(model, data, steps=300, seed=0):
    """Conditional flow matching on `data`, Adam 1e-2: a few hundred steps move
    the weights far from their initialisation."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x1 = data[torch.randint(len(data), (128,), generator=g)]
        x0 = torch.randn(x1.shape, generator=g)
        t = torch.rand(len(x1), generator=g)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        loss = ((model(xt, t) - (x1 - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss)


def check_class_condition(tmp, x):
    """A class:3 model trained on three labelled blobs with 10% condition dropout:
    rill field --class K [--guidance W] against the model's own output."""
    g = torch.Generator().manual_seed(5)
    labels = torch.randint(3, (4096,), generator=g)
    centres = torch.tensor([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    data = centres[labels] + 0.3 * torch.randn(4096, 2, generator=g)
    model = RillMLP(dim=2, width=32, depth=2, activation="silu", time="sin:3", condition="class:3")
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        idx = torch.randint(len(data), (128,), generator=g)
        x1, k = data[idx], labels[idx]
        x0, t = torch.randn(x1.shape, generator=g), torch.rand(len(x1), generator=g)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        keep = torch.rand(len(x1), generator=g) >= 0.1
        a = model.features(xt, t, cond=k)
        a[~keep, -3:] = 0.0  # dropped rows: no condition
        for i, layer in enumerate(model.layers):
            a = layer(a)
            if i < len(model.layers) - 1:
                a = model.act(a)
        loss = ((a - (x1 - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    path = f"{tmp}/class3.safetensors"
    save_rill(model, path, dataset="three blobs", class_names="left,right,top", cfg_dropout=0.1)
    info = rill("info", "--model", path)
    check("class:3" in info, "rill info shows the class condition")
    worst = 0.0
    with torch.no_grad():
        for k, w in [(0, None), (1, None), (2, None), (None, None), (2, 2.5), (0, 0.0)]:
            args = ["field", "--model", path, "--t", "0.4", "--x", f"{tmp}/x.npy", "--out", f"{tmp}/u.npy"]
            if k is not None:
                args += ["--class", str(k)]
            if w is not None:
                args += ["--guidance", str(w)]
            rill(*args)
            got = torch.from_numpy(np.load(f"{tmp}/u.npy"))
            t = torch.full((64,), 0.4)
            if k is None:
                want = model(x, t)
            elif w is None:
                want = model(x, t, cond=torch.full((64,), k))
            else:
                u0, uc = model(x, t), model(x, t, cond=torch.full((64,), k))
                want = u0 + w * (uc - u0)
            err = float(((got - want).abs() / want.abs().clamp(min=1.0)).max())
            worst = max(worst, err)
            check(err <= TOL, f"class:3 field class={k} guidance={w}: rill differs from PyTorch by {err:.3g}")
    print(f"class:3   sin:3: loss {float(loss):.3f}; every class, none and guidance: max difference {worst:.2e}")


def check_narrow_exports(tmp, x, data):
    """model.half() / model.bfloat16() saved by save_rill: rill reads the F16/BF16
    file and computes with its weights widened to float32 (formats.md "Weight
    dtypes"), so its field equals the float32 model made from the narrow weights."""
    import copy
    base = RillMLP(dim=2, width=32, depth=2, activation="silu", time="sin:3")
    train(base, data, steps=100)
    for name, dt in [("half", torch.float16), ("bfloat16", torch.bfloat16)]:
        narrow = copy.deepcopy(base).to(dt)
        path = f"{tmp}/{name}.safetensors"
        save_rill(narrow, path, dataset="moons")
        info = rill("info", "--model", path)
        check("rill.format    2" in info, f"{name} export is rill.format 2")
        wide = copy.deepcopy(narrow).to(torch.float32)
        rill("field", "--model", path, "--t", "0.3", "--x", f"{tmp}/x.npy", "--out", f"{tmp}/u.npy")
        got = torch.from_numpy(np.load(f"{tmp}/u.npy"))
        with torch.no_grad():
            want = wide(x, torch.full((64,), 0.3))
        err = float(((got - want).abs() / want.abs().clamp(min=1.0)).max())
        check(err <= TOL, f"{name} export: rill's field differs from the widened PyTorch model's by {err:.3g}")
        print(f"{name:9s} export: {'F16' if dt == torch.float16 else 'BF16'} file read by rill; max difference {err:.2e}")


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        rill("data", "--data", "moons", "--n", "4096", "--seed", "3", "--out", f"{tmp}/moons.npy")
        data = torch.from_numpy(np.load(f"{tmp}/moons.npy"))
        x = (torch.randn(64, 2, generator=torch.Generator().manual_seed(1)) * 1.5).to(torch.float32)
        np.save(f"{tmp}/x.npy", x.numpy())
        for act in ["silu", "relu", "tanh", "gelu", "gelu_tanh"]:
            for time in ["raw", "sin:3"]:
                model = RillMLP(dim=2, width=32, depth=2, activation=act, time=time)
                loss = train(model, data)
                path = f"{tmp}/{act}-{time.replace(':', '')}.safetensors"
                save_rill(model, path, dataset="moons", steps=300, batch=128, lr=0.01, final_loss=loss)
                info = rill("info", "--model", path)
                check(f"made_by" in info and "pytorch" in info, f"rill info shows made_by pytorch ({act}, {time})")
                worst = 0.0
                for t in [0.0, 0.3, 1.0]:
                    rill("field", "--model", path, "--t", str(t), "--x", f"{tmp}/x.npy", "--out", f"{tmp}/u.npy")
                    got = torch.from_numpy(np.load(f"{tmp}/u.npy"))
                    with torch.no_grad():
                        want = model(x, torch.full((64,), t))
                    err = float(((got - want).abs() / want.abs().clamp(min=1.0)).max())
                    worst = max(worst, err)
                    check(err <= TOL, f"{act} {time} t={t}: rill's field differs from PyTorch's by {err:.3g} (> {TOL})")
                print(f"{act:9s} {time:5s}: loss {loss:.3f} after 300 steps; max |u_rill - u_torch| / max(1, |u|) "
                      f"= {worst:.2e}")
        check_class_condition(tmp, x)
        check_narrow_exports(tmp, x, data)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
