#!/usr/bin/env python3
"""NLL of the shipped 2-D models against the true entropy (issue 13), as Markdown on stdout.

For each model: `rill eval --data NAME --model MODEL --solver rk4 --steps STEPS --json`
(n = 2000, the fixed reference draw, seed 1000001) gives nll, and for the targets whose
density has a closed form (gaussian, 8gaussians, checkerboard) entropy and kl = nll - entropy.
For those three the table adds a larger, independent check of kl: N points of
`rill data --seed SEED`, their `rill logp` at the same solver and steps, and
kl = mean(log p_data - log p_model) with its standard error (sd / sqrt(N)); the eval's
n = 2000 draw alone is only good to about +-0.009 nats on checkerboard.

usage: nll_table.py RILL [MODELS_DIR] [--datasets a,b,...] [--steps K] [--n N] [--seed S]
Progress goes to stderr. Python standard library only.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

DATASETS = ["gaussian", "8gaussians", "checkerboard", "moons", "circles", "spirals", "swissroll"]
GOALS = {"gaussian": 0.03, "8gaussians": 0.03, "checkerboard": 0.08}  # issue 13


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("nll_table: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def log_p_data(ds, x, y):
    """The closed-form log-density of shared/spec/datasets.md (nats)."""
    if ds == "gaussian":
        return -math.log(2 * math.pi) - 0.5 * (x * x + y * y)
    if ds == "8gaussians":
        s2 = 0.35 ** 2
        terms = []
        for k in range(8):
            cx, cy = 4 * math.cos(k * math.pi / 4), 4 * math.sin(k * math.pi / 4)
            terms.append(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s2))
        m = max(terms)
        lse = m + math.log(sum(math.exp(t - m) for t in terms))
        return lse - math.log(8) - math.log(2 * math.pi * s2)
    if ds == "checkerboard":
        # 1/32 on the eight 2x2 squares; the drawn points all lie inside.
        return -math.log(32)
    raise ValueError(ds)


def read_csv(path):
    with open(path) as f:
        rows = f.read().split("\n")[1:]
    return [[float(v) for v in r.split(",")] for r in rows if r.strip()]


def large_kl(rill, ds, model, a, tmp):
    xs = os.path.join(tmp, ds + ".csv")
    lp = os.path.join(tmp, ds + "-logp.csv")
    run([rill, "data", "--data", ds, "--n", str(a.n), "--seed", str(a.seed), "--out", xs])
    run([rill, "logp", "--model", model, "--x", xs, "--out", lp, "--solver", "rk4",
         "--steps", str(a.steps), "--threads", str(a.threads)])
    pts = read_csv(xs)
    lps = [r[0] for r in read_csv(lp)]
    d = [log_p_data(ds, p[0], p[1]) - q for p, q in zip(pts, lps)]
    mean = sum(d) / len(d)
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (len(d) - 1))
    return mean, sd / math.sqrt(len(d))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rill")
    ap.add_argument("models", nargs="?", default="web/models")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for ds in [d for d in a.datasets.split(",") if d]:
            model = os.path.join(a.models, ds + ".safetensors")
            if not os.path.isfile(model):
                sys.exit("nll_table: %s is missing (make models)" % model)
            print("nll_table: %s" % ds, file=sys.stderr)
            e = json.loads(run([a.rill, "eval", "--data", ds, "--model", model, "--solver", "rk4",
                                "--steps", str(a.steps), "--threads", str(a.threads), "--json"]))
            row = ["`%s`" % ds, "%.4f" % e["nll"]]
            if "kl" in e:
                goal = GOALS.get(ds)
                mean, se = large_kl(a.rill, ds, model, a, tmp)
                mark = "" if goal is None else (" ✓" if mean <= goal else " (goal %g: not met)" % goal)
                row += ["%.4f" % e["entropy"], "%.4f" % e["kl"], "%.4f ± %.4f%s" % (mean, se, mark)]
            else:
                row += ["—", "—", "—"]
            rows.append(row)
    print("| model | nll | entropy | kl (eval, n = 2000) | kl (n = %d, seed %d, ± s.e.) |" % (a.n, a.seed))
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
