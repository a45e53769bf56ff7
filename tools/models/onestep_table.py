#!/usr/bin/env python3
"""The one-step models' trade-off table (issue 14), as Markdown on stdout.

For each dataset: web/models/NAME-1step at 1, 2, 4 Euler steps (NFE = steps)
against its teacher web/models/NAME with Euler at 1-32 steps and RK4 at 1-8
steps (NFE = 4 x steps): MMD^2 (unbiased, summed kernel) and W2 with its ratio
to the floor (two true draws), N samples from seed 0 against the reference of
`rill eval`. Samples are drawn with `rill sample` and scored with
`rill eval --samples` (no NLL, which the table does not need).

usage: onestep_table.py RILL [MODELS_DIR] [--n N] [--datasets a,b,...] [--quick]
--quick: the one-step models at 1 and 2 steps and the teachers at Euler 1, 2, 32 and RK4 8 only.
Progress goes to stderr. Python standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

DATASETS = ["moons", "8gaussians", "checkerboard", "spirals", "circles"]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("onestep_table: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def score(rill, model, ds, solver, steps, n, tmp):
    out = os.path.join(tmp, "s.npy")
    run([rill, "sample", "--model", model, "--n", str(n), "--solver", solver, "--steps", str(steps), "--seed", "0",
         "--out", out])
    j = json.loads(run([rill, "eval", "--data", ds, "--samples", out, "--n", str(n), "--json"]))
    print("onestep_table: %s %s %s %d: mmd2 %.5f w2 %.3f" % (ds, os.path.basename(model), solver, steps, j["mmd2"],
                                                         j["w2"]), file=sys.stderr)
    return j


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rill")
    ap.add_argument("models", nargs="?", default="web/models")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    student_steps = [1, 2] if a.quick else [1, 2, 4]
    teacher_runs = [("euler", 1), ("euler", 2), ("euler", 32), ("rk4", 8)] if a.quick else \
        [("euler", k) for k in (1, 2, 4, 8, 16, 32)] + [("rk4", k) for k in (1, 2, 4, 8)]
    p = print
    p("MMD² and W2 (ratio to the floor of two true draws) of %d samples, seed 0, against the reference draw of "
      "`rill eval`; NFE = field evaluations per sample (Euler: steps, RK4: 4 × steps)." % a.n)
    p("")
    p("| dataset | model | solver | steps | NFE | MMD² | W2 | W2 / floor |")
    p("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for ds in [d for d in a.datasets.split(",") if d]:
            student = os.path.join(a.models, ds + "-1step.safetensors")
            teacher = os.path.join(a.models, ds + ".safetensors")
            for f in (student, teacher):
                if not os.path.isfile(f):
                    sys.exit("onestep_table: %s is missing (make models-1step)" % f)
            runs = [(ds + "-1step", student, "euler", k) for k in student_steps] + \
                   [(ds, teacher, s, k) for s, k in teacher_runs]
            for name, model, solver, k in runs:
                j = score(a.rill, model, ds, solver, k, a.n, tmp)
                nfe = k * (4 if solver == "rk4" else 1)
                p("| %s | %s | %s | %d | %d | %.4f | %.3f | %.2f |" % (ds, name, solver, k, nfe, j["mmd2"], j["w2"],
                                                                    j["w2"] / j["w2_floor"]))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
