#!/usr/bin/env python3
"""The one-step models' trade-off table (issue 14), as Markdown on stdout.

For each dataset: web/models/NAME-1step at 1, 2, 4 Euler steps (NFE = steps)
against its teacher web/models/NAME with Euler at 1-32 steps and RK4 at 1-8
and 32 steps (NFE = 4 x steps): MMD^2 (unbiased, summed kernel) and W2 as its
ratio to the floor (the reference against one other true draw), N samples
against the reference of `rill eval`. Samples are drawn with `rill sample` and
scored with `rill eval --samples` (no NLL, which the table does not need).

Each cell is "MMD² / W2÷floor", the mean over the sample seeds of --seeds
(default 0; the noise floor of MMD² at 4,000 samples is about +-0.0006, so
rank candidates by the mean over 0,1,2). The same seeds' true draws (`rill
data --seed S`) give the last row: what a perfect model scores against this
one reference draw (MMD² is not 0 on average for a fixed reference, and the
W2 floor is itself one draw).

usage: onestep_table.py RILL [MODELS_DIR] [--n N] [--datasets a,b,...] [--seeds 0,1,2] [--quick] [--long]
                        [--goals K] [--goals-only]
--quick: the one-step models at 1 and 2 steps and the teachers at Euler 1, 2, 32 and RK4 32 only.
--long:  also the old one-row-per-run table (dataset, model, solver, steps, NFE, MMD², W2, W2 / floor).
--goals K: also the goals table of issue 14 read as formats.md's "Noise" rule asks (a claim near a bar
         averages several seeds and is set beside what true draws score against the same reference):
         `rill eval --model M --seeds K` for each student at 1 and 2 NFE and its teacher at RK4 x 32:
         MMD² mean +- s.e. over sample seeds 0..K-1, the true draws' mean over K draws, the excess, and
         W2 as the ratio of the two means. --goals-only skips the trade-off table.
Progress goes to stderr. Python standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

DATASETS = ["moons", "8gaussians", "checkerboard", "spirals", "circles"]
NFES = [1, 2, 4, 8, 16, 32, 128]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("onestep_table: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def evaluate(rill, ds, path, n):
    return json.loads(run([rill, "eval", "--data", ds, "--samples", path, "--n", str(n), "--json"]))


def score(rill, model, ds, solver, steps, n, seeds, tmp):
    """Mean MMD² and W2 / floor over the seeds; model None: the dataset's own draws."""
    out = os.path.join(tmp, "s.npy")
    mmd, w2r, w2 = [], [], []
    for s in seeds:
        if model is None:
            run([rill, "data", "--data", ds, "--n", str(n), "--seed", str(s), "--out", out])
        else:
            run([rill, "sample", "--model", model, "--n", str(n), "--solver", solver, "--steps", str(steps), "--seed",
                 str(s), "--out", out])
        j = evaluate(rill, ds, out, n)
        mmd.append(j["mmd2"])
        w2.append(j["w2"])
        w2r.append(j["w2"] / j["w2_floor"])
    r = {"mmd2": sum(mmd) / len(mmd), "w2": sum(w2) / len(w2), "w2r": sum(w2r) / len(w2r)}
    print("onestep_table: %s %s %s %d: mmd2 %.5f w2/floor %.3f (%s)" % (
        ds, os.path.basename(model) if model else "true draws", solver, steps, r["mmd2"], r["w2r"],
        " ".join("%.5f/%.3f" % (a, b) for a, b in zip(mmd, w2r))), file=sys.stderr)
    return r


def goal_row(rill, ds, label, model, solver, steps, n, k, bars):
    """One row of the goals table from `rill eval --seeds k` (means and standard errors)."""
    j = json.loads(run([rill, "eval", "--data", ds, "--model", model, "--solver", solver, "--steps", str(steps),
                        "--n", str(n), "--seeds", str(k), "--json"]))
    ratio = j["w2"] / j["w2_floor"]
    ratio_se = ratio * ((j["w2_se"] / j["w2"]) ** 2 + (j["w2_floor_se"] / j["w2_floor"]) ** 2) ** 0.5
    mmd_bar, w2_bar = bars
    verdict = []
    if mmd_bar is not None:
        verdict.append("MMD² %s %g" % ("≤" if j["mmd2"] <= mmd_bar else ("excess ≤" if j["mmd2_excess"] <= mmd_bar
                                                                            else "✗ >"), mmd_bar))
    if w2_bar is not None:
        verdict.append("W2 %s %g×" % ("≤" if ratio <= w2_bar else "✗ >", w2_bar))
    print("onestep_table: goals %s %s %d: %s" % (ds, label, steps, json.dumps(j)), file=sys.stderr)
    return "| %s | %s | %.4f ± %.4f | %.4f ± %.4f | %+.4f ± %.4f | %.2f ± %.2f | %s |" % (
        ds, label, j["mmd2"], j["mmd2_se"], j["mmd2_floor"], j["mmd2_floor_se"], j["mmd2_excess"],
        j["mmd2_excess_se"], ratio, ratio_se, ", ".join(verdict))


def goals_table(a, k):
    p = print
    p("Issue 14's goals over sample seeds 0..%d (`rill eval --model M --seeds %d --n %d`): MMD² of the samples "
      "and of %d true draws against the same reference (mean ± s.e.), the samples' excess over true draws, and "
      "W2 ÷ floor as the ratio of the samples' mean W2 to the true draws' mean W2." % (k - 1, k, a.n, k))
    p("")
    p("| dataset | model, solver × steps (NFE) | MMD² | true draws' MMD² | excess | W2 ÷ floor | goal |")
    p("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for ds in [d for d in a.datasets.split(",") if d]:
        student = os.path.join(a.models, ds + "-1step.safetensors")
        teacher = os.path.join(a.models, ds + ".safetensors")
        p(goal_row(a.rill, ds, ds + "-1step, Euler × 1 (1)", student, "euler", 1, a.n, k, (0.001, 1.2)))
        p(goal_row(a.rill, ds, ds + "-1step, Euler × 2 (2)", student, "euler", 2, a.n, k, (0.0005, None)))
        p(goal_row(a.rill, ds, ds + ", RK4 × 32 (128)", teacher, "rk4", 32, a.n, k, (None, None)))
        sys.stdout.flush()


def cell(r):
    return "%.4f / %.2f" % (r["mmd2"], r["w2r"]) if r else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rill")
    ap.add_argument("models", nargs="?", default="web/models")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--goals", type=int, default=0)
    ap.add_argument("--goals-only", action="store_true")
    a = ap.parse_args()
    if a.goals_only:
        goals_table(a, a.goals or 6)
        return
    seeds = [int(s) for s in a.seeds.split(",") if s != ""]
    student_steps = [1, 2] if a.quick else [1, 2, 4]
    euler_steps = [1, 2, 32] if a.quick else [1, 2, 4, 8, 16, 32]
    rk4_steps = [32] if a.quick else [1, 2, 4, 8, 32]
    p = print
    p("MMD² / (W2 ÷ its floor) of %d samples against the reference draw of `rill eval`, the mean over sample seeds "
      "%s; NFE = field evaluations per sample (Euler: steps, RK4: 4 × steps). True draws: the dataset's own draws "
      "with the same seeds, what a perfect model scores." % (a.n, ", ".join(str(s) for s in seeds)))
    p("")
    p("| dataset | model, solver | " + " | ".join("NFE %d" % k for k in NFES) + " |")
    p("| --- | --- | " + " | ".join("---:" for _ in NFES) + " |")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for ds in [d for d in a.datasets.split(",") if d]:
            student = os.path.join(a.models, ds + "-1step.safetensors")
            teacher = os.path.join(a.models, ds + ".safetensors")
            for f in (student, teacher):
                if not os.path.isfile(f):
                    sys.exit("onestep_table: %s is missing (make models-1step)" % f)
            groups = [(ds + "-1step, Euler", student, "euler", student_steps, 1),
                      (ds + ", Euler", teacher, "euler", euler_steps, 1),
                      (ds + ", RK4", teacher, "rk4", rk4_steps, 4)]
            for label, model, solver, steps, per in groups:
                cells = {}
                for k in steps:
                    r = score(a.rill, model, ds, solver, k, a.n, seeds, tmp)
                    cells[k * per] = r
                    rows.append((ds, label, solver, k, k * per, r))
                p("| %s | %s | " % (ds, label) + " | ".join(cell(cells.get(k)) for k in NFES) + " |")
                sys.stdout.flush()
            true = score(a.rill, None, ds, "", 0, a.n, seeds, tmp)
            p("| %s | true draws | %s |" % (ds, " | ".join([cell(true)] + [""] * (len(NFES) - 1))))
            sys.stdout.flush()
    if a.goals:
        p("")
        goals_table(a, a.goals)
    if a.long:
        p("")
        p("| dataset | model | solver | steps | NFE | MMD² | W2 | W2 / floor |")
        p("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for ds, label, solver, k, nfe, r in rows:
            p("| %s | %s | %s | %d | %d | %.4f | %.3f | %.2f |" % (ds, label.split(",")[0], solver, k, nfe, r["mmd2"],
                                                                r["w2"], r["w2r"]))


if __name__ == "__main__":
    main()
