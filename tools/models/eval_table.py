#!/usr/bin/env python3
"""The shipped models' evaluation table (issue 3), as Markdown on stdout.

For each dataset: the training time (the model's `train_seconds` metadata)
and MMD^2 (unbiased, summed kernel; shared/spec/formats.md) of N samples
against the fixed reference draw, for each solver at 1, 2, 4, 8 and 32 steps,
all by `rill eval --data NAME --model MODEL --solver S --steps K --n N --json`.

usage: eval_table.py RILL [MODELS_DIR] [--n N] [--datasets a,b,...]
Progress goes to stderr. Python standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import time

DATASETS = ["moons", "8gaussians", "checkerboard", "spirals", "circles", "gaussian", "swissroll"]
SOLVERS = ["euler", "midpoint", "heun", "rk4"]
STEPS = [1, 2, 4, 8, 32]
# The bars of issue 3: MMD^2 with rk4 at 32 steps, 4000 samples.
BARS = {"moons": 0.003, "8gaussians": 0.004, "checkerboard": 0.002, "spirals": 0.004, "circles": 0.002}


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("eval_table: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def info(rill, model):
    meta = {}
    for line in run([rill, "info", "--model", model]).splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and line.startswith("  "):
            meta[parts[0]] = parts[1].strip()
    return meta


def fmt(v):
    return "%.4f" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rill")
    ap.add_argument("models", nargs="?", default="web/models")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    a = ap.parse_args()
    datasets = [d for d in a.datasets.split(",") if d]
    t_start = time.time()
    rows = []
    for ds in datasets:
        model = os.path.join(a.models, ds + ".safetensors")
        if not os.path.isfile(model):
            sys.exit("eval_table: %s is missing (make models)" % model)
        meta = info(a.rill, model)
        res = {}
        for s in SOLVERS:
            for k in STEPS:
                out = run([a.rill, "eval", "--data", ds, "--model", model, "--solver", s, "--steps", str(k),
                           "--n", str(a.n), "--json"])
                res[(s, k)] = json.loads(out)
                print("eval_table: %s %s %d: mmd2 %.5f" % (ds, s, k, res[(s, k)]["mmd2"]), file=sys.stderr)
        rows.append((ds, meta, res))

    p = print
    p("MMD² (unbiased, summed kernel) of %d samples against the reference draw of `rill eval`, "
      "by solver and number of steps; lower is better, about ±0.0006 is seed-to-seed noise "
      "(the `floor` column: two true draws)." % a.n)
    p("")
    head = ["dataset", "train s", "solver"] + ["%d" % k for k in STEPS] + ["floor"]
    p("| " + " | ".join(head) + " |")
    p("| " + " | ".join(["---"] * 3 + ["---:"] * (len(STEPS) + 1)) + " |")
    for ds, meta, res in rows:
        for i, s in enumerate(SOLVERS):
            cells = [ds if i == 0 else "", meta.get("train_seconds", "?") if i == 0 else "", s]
            cells += [fmt(res[(s, k)]["mmd2"]) for k in STEPS]
            cells.append(fmt(res[(s, STEPS[-1])]["mmd2_floor"]) if i == 0 else "")
            p("| " + " | ".join(cells) + " |")
    p("")
    p("RK4 at 32 steps against the bar of issue 3:")
    p("")
    p("| dataset | MMD² | bar | W2 | W2 floor | steps | train s |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for ds, meta, res in rows:
        r = res[("rk4", 32)]
        bar = BARS.get(ds)
        mark = "" if bar is None else (" ✓" if r["mmd2"] <= bar else " ✗")
        p("| %s | %s%s | %s | %.3f | %.3f | %s | %s |" % (
            ds, fmt(r["mmd2"]), mark, "%.3f" % bar if bar is not None else "—", r["w2"], r["w2_floor"],
            meta.get("steps", "?"), meta.get("train_seconds", "?")))
    print("eval_table: %d evals in %.0f s" % (len(rows) * len(SOLVERS) * len(STEPS), time.time() - t_start),
          file=sys.stderr)


if __name__ == "__main__":
    main()
