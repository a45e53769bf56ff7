"""PyTorch → rill round trip (issue 18): a tiny model trained in PyTorch with
tools/pytorch/rill_torch.py, saved with save_rill, must give rill's field to
1e-5 for every activation, both time encodings and a class condition (each
class, none, and guidance); F16/BF16 exports; and step-conditioned models
(step_embedding raw / sin:K): rill field --h, fixed-step integration with
h = 1/N fed at every stage against the same solver in PyTorch, and the refusals
(backward integration, log p); and tools/pytorch/one_step.py's distillation
against a teacher whose flow map is known (a rotation).

    /usr/bin/python3 tests/pytorch/test_pytorch.py build/rill

Prints one `N passed, M failed` line; without torch it says so and counts nothing.
"""
import contextlib
import io
import math
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

import one_step  # noqa: E402
from rill_torch import RillMLP, load_rill, save_rill  # noqa: E402

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


def raises(error, fn):
    try:
        fn()
    except error:
        return True
    except Exception:  # noqa: BLE001 - another error is a failure too
        return False
    return False


def check_class_api(tmp, model, x, path):
    """rill_torch's conditions and facts as a user calls them: class -1 is "none" for its row (as in rill.h),
    drop= removes a row's condition, out-of-range classes and facts that would overwrite the network's own
    keys are refused, a DataParallel-wrapped model saves as the model, and one_step.py refuses a
    conditioned teacher (it would distil the teacher's unconditional field)."""
    t = torch.full((64,), 0.4)
    with torch.no_grad():
        none, minus = model(x, t), model(x, t, cond=torch.full((64,), -1))
        mixed = model(x, t, cond=torch.tensor([2, -1] * 32))
        two = model(x, t, cond=2)
        dropped = model(x, t, cond=2, drop=torch.tensor([False, True] * 32))
    check(torch.equal(none, minus), "class -1 is no condition, as rill.h's -1 (it was the last class)")
    check(torch.equal(mixed[0::2], two[0::2]) and torch.equal(mixed[1::2], none[1::2]), "-1 per row mixes with classes")
    check(torch.equal(dropped[0::2], two[0::2]) and torch.equal(dropped[1::2], none[1::2]), "drop= removes a row's condition")
    check(raises(ValueError, lambda: model(x, t, cond=3)) and raises(ValueError, lambda: model(x, t, cond=-2)),
          "class indices outside -1 .. C-1 are refused")
    for key, value in [("activation", "relu"), ("time_embedding", "raw"), ("condition", "none"), ("dim", 3)]:
        check(raises(ValueError, lambda: save_rill(model, f"{tmp}/clash.safetensors", **{key: value})),
              f"save_rill refuses the fact {key}= (the model's own setting)")
    check(not os.path.exists(f"{tmp}/clash.safetensors"), "a refused save_rill writes no file")
    save_rill(torch.nn.DataParallel(model), f"{tmp}/wrapped.safetensors", dataset="three blobs",
              class_names=["left", "right", "top"], cfg_dropout=0.1)
    with open(path, "rb") as a, open(f"{tmp}/wrapped.safetensors", "rb") as b:
        check(a.read() == b.read(), "save_rill of a DataParallel-wrapped model writes the model's file")
    check(raises(TypeError, lambda: save_rill(torch.nn.Linear(2, 2), f"{tmp}/lin.safetensors")),
          "save_rill refuses a module that is not a RillMLP")
    check(raises(ValueError, lambda: RillMLP(depth=16)) and len(RillMLP(depth=15, width=4).layers) == 16,
          "RillMLP allows rill's 16 linear layers and no more")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        refused = raises(SystemExit, lambda: one_step.main(["--rill", RILL, "--teacher", path,
                                                            "--out", f"{tmp}/student.safetensors"]))
    check(refused and not os.path.exists(f"{tmp}/student.safetensors"),
          "one_step.py refuses a conditioned teacher before any work")


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
        dropped = torch.rand(len(x1), generator=g) < 0.1  # condition dropout: these rows have none
        loss = ((model(xt, t, cond=k, drop=dropped) - (x1 - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    path = f"{tmp}/class3.safetensors"
    save_rill(model, path, dataset="three blobs", class_names=["left", "right", "top"], cfg_dropout=0.1)
    info = rill("info", "--model", path)
    check("class:3" in info, "rill info shows the class condition")
    check("classes left,right,top" in info, "class_names given as a list are written comma-separated")
    check_class_api(tmp, model, x, path)
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


def rill_rc(*args):
    """rill's exit code and its stderr, for the refusals."""
    r = subprocess.run([RILL, *args], capture_output=True, text=True)
    return r.returncode, r.stderr.strip()


def integrate_torch(model, x, solver, steps, cls=None, t0=0.0, t1=1.0):
    """rill's fixed-step solvers (src/rill/solver.cpp) in float32, in the same
    order of operations: h = (t1 - t0)/steps is both the step and the h that a
    step-conditioned model reads, at every stage of every step."""
    h = torch.tensor((t1 - t0) / steps, dtype=torch.float32)
    half = 0.5 * h
    n = len(x)
    cond = None if cls is None else torch.full((n,), cls)

    def u(p, t):
        return model(p, torch.full((n,), float(t)), torch.full((n,), float(h)), cond)

    for s in range(steps):
        t = torch.tensor(t0, dtype=torch.float32) + torch.tensor(float(s), dtype=torch.float32) * h
        k1 = u(x, t)
        if solver == "euler":
            x = x + h * k1
        elif solver == "midpoint":
            x = x + h * u(x + half * k1, t + half)
        elif solver == "heun":
            x = x + half * (k1 + u(x + h * k1, t + h))
        else:  # rk4
            k2 = u(x + half * k1, t + half)
            k3 = u(x + half * k2, t + half)
            k4 = u(x + h * k3, t + h)
            x = x + (h / 6.0) * ((k1 + 2.0 * k2 + 2.0 * k3) + k4)
    return x


def train_step_model(model, data, labels=None, steps=200, seed=0):
    """A step-conditioned model: flow matching with a random step length h fed
    to the model (the target x1 - x0 is the average velocity of the straight
    conditional path over any [t, t + h]); enough to move the weights far from
    their initialisation. With labels: a class per row, 10% dropped to none."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        idx = torch.randint(len(data), (128,), generator=g)
        x1 = data[idx]
        x0, t, h = torch.randn(x1.shape, generator=g), torch.rand(128, generator=g), torch.rand(128, generator=g)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        dropped = None if labels is None else torch.rand(128, generator=g) < 0.1
        loss = ((model(xt, t, h, None if labels is None else labels[idx], drop=dropped) - (x1 - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss)


# Integration: rill and PyTorch evaluate the same float32 network, each field
# evaluation agreeing to ~1e-6 relative (the checks above), and the solvers add
# the same float32 terms in the same order; a difference e in x after a step
# grows by at most (1 + h L) per later step (L: the field's Lipschitz constant,
# a few units for these small nets), so over at most 4 steps of the
# 4-evaluation RK4 it stays within ~10x one evaluation's: 1e-5 relative to
# max(1, |x|) (measured: at most 1.2e-6). A wrong h would not pass: these
# trained nets' outputs move by 0.02 (raw) to 0.2 (sin:2) between h = 0.25 and 0.5.
INTEGRATE_TOL = 1e-5


def check_step_models(tmp, x, data):
    """Step-conditioned models (formats.md step_embedding raw / sin:K, with and
    without a class:3 condition) trained in PyTorch: rill info names the
    embedding, rill field --t T --h H equals the PyTorch forward, Euler with
    N = 1, 2, 4 steps (and midpoint, Heun, RK4 with 2) from the same points
    equals the same integration in PyTorch with h = 1/N fed at every stage, and
    backward integration and log p are refused (exit 1)."""
    g = torch.Generator().manual_seed(7)
    labels = torch.randint(3, (len(data),), generator=g)
    x0 = torch.randn(256, 2, generator=g)
    np.save(f"{tmp}/x0.npy", x0.numpy())
    for act, time, step, cond in [("silu", "sin:3", "raw", "none"), ("gelu", "raw", "sin:2", "none"),
                                  ("tanh", "sin:2", "sin:4", "class:3"), ("relu", "raw", "raw", "class:3")]:
        model = RillMLP(dim=2, width=32, depth=2, activation=act, time=time, condition=cond, step_embedding=step)
        loss = train_step_model(model, data, labels if cond != "none" else None)
        path = f"{tmp}/step-{step.replace(':', '')}-{cond.replace(':', '')}.safetensors"
        save_rill(model, path, dataset="moons", steps=200)
        name = f"{act} time {time} step {step} {cond}"
        info = rill("info", "--model", path)
        check(f"\nstep           {step} (" in info and "rill.format    2" in info,
              f"{name}: rill info names the step embedding")
        classes = [None, 1] if cond != "none" else [None]
        worst = 0.0
        with torch.no_grad():
            for k in classes:
                extra = [] if k is None else ["--class", str(k)]
                for t, h in [(0.0, 1.0), (0.0, 0.25), (0.3, 0.5), (0.75, 0.125), (1.0, 0.0), (0.5, 0.7)]:
                    rill("field", "--model", path, "--t", str(t), "--h", str(h), "--x", f"{tmp}/x.npy",
                         "--out", f"{tmp}/u.npy", *extra)
                    got = torch.from_numpy(np.load(f"{tmp}/u.npy"))
                    cond_k = None if k is None else torch.full((64,), k)
                    want = model(x, torch.full((64,), t), torch.full((64,), h), cond_k)
                    err = float(((got - want).abs() / want.abs().clamp(min=1.0)).max())
                    worst = max(worst, err)
                    check(err <= TOL, f"{name} class={k} t={t} h={h}: rill's field differs by {err:.3g}")
        worst_int = 0.0
        runs = [("euler", 1), ("euler", 2), ("euler", 4), ("midpoint", 2), ("heun", 2), ("rk4", 2)]
        with torch.no_grad():
            for k in classes:
                for solver, n in runs:
                    if k is None:
                        rill("integrate", "--model", path, "--x", f"{tmp}/x0.npy", "--t0", "0", "--t1", "1",
                             "--steps", str(n), "--solver", solver, "--out", f"{tmp}/x1.npy")
                    else:  # integrate has no --class: sample from the same x0
                        rill("sample", "--model", path, "--x0", f"{tmp}/x0.npy", "--class", str(k),
                             "--steps", str(n), "--solver", solver, "--out", f"{tmp}/x1.npy")
                    got = torch.from_numpy(np.load(f"{tmp}/x1.npy"))
                    want = integrate_torch(model, x0, solver, n, k)
                    err = float(((got - want).abs() / want.abs().clamp(min=1.0)).max())
                    worst_int = max(worst_int, err)
                    check(err <= INTEGRATE_TOL, f"{name} class={k} {solver} x {n}: rill's x1 differs by {err:.3g}")
        rc, err_text = rill_rc("integrate", "--model", path, "--x", f"{tmp}/x0.npy", "--t0", "1", "--t1", "0",
                               "--out", f"{tmp}/back.npy")
        check(rc == 1 and "forwards only" in err_text and not os.path.exists(f"{tmp}/back.npy"),
              f"{name}: integrate --t0 1 --t1 0 exits 1 ({rc}: {err_text})")
        rc, err_text = rill_rc("logp", "--model", path, "--x", f"{tmp}/x0.npy", "--out", f"{tmp}/lp.npy")
        check(rc == 1 and "no log-density" in err_text and not os.path.exists(f"{tmp}/lp.npy"),
              f"{name}: logp exits 1 ({rc}: {err_text})")
        print(f"step {step:5s} {cond:7s}: loss {loss:.3f}; field max difference {worst:.2e}, "
              f"integration (euler 1/2/4, midpoint/heun/rk4 2) {worst_int:.2e}")


def check_one_step_distillation(tmp):
    """tools/pytorch/one_step.py (rill_torch.distil_step_model) end to end on a
    teacher with a closed-form flow: u = A x with A the rotation generator
    [[0, 1], [-1, 0]] moves x0 to R(t) x0 = [[cos t, sin t], [-sin t, cos t]] x0.
    The student, sampled by rill with N = 1, 2, 4 Euler steps (h = 1/N), must land
    near R(1) x0: mean distance under 0.1 (measured 0.016-0.033), where the
    teacher's own Euler steps miss by 0.60, 0.32 and 0.16."""
    out = f"{tmp}/rotation-step.safetensors"
    with contextlib.redirect_stdout(io.StringIO()):
        one_step.main(["--rill", RILL, "--teacher", "linear:0,1,-1,0", "--out", out, "--pairs", "2000",
                       "--steps", "600", "--width", "32", "--depth", "2", "--time", "raw", "--teacher-steps", "16"])
    info = rill("info", "--model", out)
    check("\nstep           raw (" in info and "sampling       euler, 1 step (made by pytorch)" in info
          and "teacher_steps  16" in info, "one_step.py's student: step raw, sampled by Euler x 1, its teacher named")
    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(9)).clamp(-2.0, 2.0)
    np.save(f"{tmp}/rx.npy", x.numpy())
    c, s = math.cos(1.0), math.sin(1.0)
    want = torch.stack([c * x[:, 0] + s * x[:, 1], -s * x[:, 0] + c * x[:, 1]], 1)
    errs = []
    for n in [1, 2, 4]:
        rill("sample", "--model", out, "--x0", f"{tmp}/rx.npy", "--steps", str(n), "--solver", "euler",
             "--out", f"{tmp}/ry.npy")
        err = float((torch.from_numpy(np.load(f"{tmp}/ry.npy")) - want).norm(dim=1).mean())
        errs.append(err)
        check(err < 0.1, f"one-step student of the rotation, Euler x {n}: mean distance to R(1) x0 {err:.3g} >= 0.1")
    print("one_step.py, rotation teacher: student's mean distance to the exact flow map, Euler x 1/2/4: "
          + ", ".join(f"{e:.3f}" for e in errs) + " (the teacher's Euler: 0.600, 0.325, 0.161)")


def check_load_rill(tmp, x):
    """rill to PyTorch: load_rill of files rill wrote (trained by `rill train` with sin:K time and a class
    condition, then converted to F16, BF16 and I8) gives the network `rill field` evaluates, and a
    save_rill file comes back with the same parameters."""
    path = f"{tmp}/rill-trained.safetensors"
    rill("train", "--data", "moons", "--condition", "class", "--steps", "60", "--width", "24", "--depth", "2",
         "--time", "sin:3", "--out", path)
    worst = 0.0
    for dtype in ["f32", "f16", "bf16", "i8"]:
        f = path if dtype == "f32" else f"{tmp}/rill-{dtype}.safetensors"
        if dtype != "f32":
            rill("convert", "--model", path, "--dtype", dtype, "--out", f)
        model = load_rill(f)
        check(model.time == "sin:3" and model.classes == 2 and model.rill_metadata.get("dataset") == "moons",
              f"load_rill ({dtype}) reads the network's settings and the facts")
        for k in [None, 1]:
            args = ["field", "--model", f, "--t", "0.7", "--x", f"{tmp}/x.npy", "--out", f"{tmp}/lu.npy"]
            rill(*(args + (["--class", str(k)] if k is not None else [])))
            with torch.no_grad():
                want = model(x, 0.7, cond=k)
            err = float(((torch.from_numpy(np.load(f"{tmp}/lu.npy")) - want).abs() / want.abs().clamp(min=1.0)).max())
            worst = max(worst, err)
            check(err <= TOL, f"load_rill ({dtype}, class {k}): PyTorch differs from rill field by {err:.3g}")
    mine = RillMLP(dim=2, width=16, depth=3, activation="gelu", time="sin:2", condition="vector:2")
    save_rill(mine, f"{tmp}/mine.safetensors", dataset="anything")
    back = load_rill(f"{tmp}/mine.safetensors")
    same = all(torch.equal(a, b) for a, b in zip(mine.state_dict().values(), back.state_dict().values()))
    check(same and back.activation == "gelu" and back.cond_dim == 2, "save_rill then load_rill: the same network")
    print(f"load_rill: rill-trained class:2 model as F32/F16/BF16/I8 in PyTorch, max difference {worst:.2e}")


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
        check_load_rill(tmp, x)
        check_narrow_exports(tmp, x, data)
        check_step_models(tmp, x, data)
        check_one_step_distillation(tmp)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
