"""A one-step generator in PyTorch, for rill: distils a rill teacher into a
step-conditioned student (formats.md `step_embedding`) with rill_torch's
distil_step_model, and saves it where you say.

    /usr/bin/python3 tools/pytorch/one_step.py --rill build/rill --teacher moons --out /tmp/moons-step.safetensors
    build/rill eval --data moons --model /tmp/moons-step.safetensors --steps 1 --solver euler

1. draws --pairs starting points x0 ~ N(0, I) (torch, --seed) and has rill carry
   them along the teacher's flow: `rill sample --model TEACHER --x0 x0.npy
   --trajectory --solver rk4 --steps S` (S = --teacher-steps, a power of two);
2. trains RillMLP(step_embedding=...) so that u(X(t), t, h) is the teacher's
   average velocity (X(t + h) - X(t)) / h for h = 1, 1/2, ..., 1/S at t = i h;
3. saves it with save_rill (made_by pytorch, sample_solver euler, sample_steps 1,
   the teacher and the training facts).

Then `rill sample --solver euler --steps N` with N = 1, 2, 4, ... (h = 1/N, the
same at every stage) follows the teacher's map in N evaluations. The teacher must
draw x0 from N(0, I) (source gaussian, `rill info`) and have no condition. Costs on one core: the
teacher's trajectories (pairs x S x 4 evaluations in rill) and --steps Adam steps.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from rill_torch import RillMLP, distil_step_model, save_rill  # noqa: E402


def teacher_dim(rill, teacher):
    """The teacher's dimension from `rill info`; refuses a teacher whose x0 is not N(0, I), and one with a
    condition (this distils one unconditional field: `rill sample` would run the teacher with no condition)."""
    info = subprocess.run([rill, "info", "--model", teacher], capture_output=True, text=True, check=True).stdout
    pairs = (line.split(None, 1) for line in info.splitlines() if not line.startswith(" "))
    fields = dict(p for p in pairs if len(p) == 2)
    if not fields.get("source", "gaussian").startswith("gaussian"):
        sys.exit(f"one_step: the teacher {teacher} draws x0 from {fields['source'].strip()}, not N(0, I)")
    condition = fields.get("condition", "none").split()[0]
    if condition != "none":
        sys.exit(f"one_step: the teacher {teacher} has a condition ({condition}); this distils unconditional teachers")
    return int(fields["dimension"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rill", default="build/rill", help="the rill binary (default build/rill)")
    ap.add_argument("--teacher", default="moons", help="teacher: model file or shipped name (default moons)")
    ap.add_argument("--out", required=True, help="the student model file to write")
    ap.add_argument("--pairs", type=int, default=16000, help="teacher trajectories (default 16000)")
    ap.add_argument("--teacher-steps", type=int, default=64, help="RK4 steps of the teacher, a power of two (64)")
    ap.add_argument("--steps", type=int, default=6000, help="Adam steps (default 6000)")
    ap.add_argument("--batch", type=int, default=256, help="minibatch size (default 256)")
    ap.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate, cosine to 1%% (default 3e-3)")
    ap.add_argument("--width", type=int, default=96, help="hidden width (default 96)")
    ap.add_argument("--depth", type=int, default=4, help="hidden layers (default 4)")
    ap.add_argument("--time", default="sin:4", help="time embedding, raw or sin:K (default sin:4)")
    ap.add_argument("--step-embedding", default="raw", help="step embedding, raw or sin:K (default raw)")
    ap.add_argument("--seed", type=int, default=0, help="seed of x0, the initial weights and minibatches (0)")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's and rill's threads (default 1)")
    args = ap.parse_args(argv)
    s = args.teacher_steps
    if s < 1 or s & (s - 1):
        ap.error("--teacher-steps must be a power of two")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    dim = teacher_dim(args.rill, args.teacher)
    started = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        x0 = torch.randn(args.pairs, dim, generator=torch.Generator().manual_seed(args.seed))
        np.save(f"{tmp}/x0.npy", x0.numpy())
        subprocess.run([args.rill, "sample", "--model", args.teacher, "--x0", f"{tmp}/x0.npy", "--trajectory",
                        "--solver", "rk4", "--steps", str(s), "--threads", str(args.threads),
                        "--out", f"{tmp}/traj.npy"], check=True)
        traj = torch.from_numpy(np.load(f"{tmp}/traj.npy"))
    model = RillMLP(dim=dim, width=args.width, depth=args.depth, activation="silu", time=args.time,
                    step_embedding=args.step_embedding)
    loss = distil_step_model(model, traj, steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
                             log_every=max(1, args.steps // 10))
    seconds = time.process_time() - started
    teacher = os.path.splitext(os.path.basename(args.teacher))[0]
    save_rill(model, args.out, dataset=f"distilled from {teacher}", teacher=teacher, teacher_solver="rk4",
              teacher_steps=s, pairs=args.pairs, steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
              ema=0.999, final_loss=loss, train_seconds=round(seconds, 1), sample_solver="euler", sample_steps=1)
    print(f"wrote {args.out}: loss {loss:.5f}, {seconds:.1f} s of CPU in this process (rill's teacher run aside)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
