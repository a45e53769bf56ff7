#!/usr/bin/env python3
"""The conditioned shipped models' evaluation (issue 12), as Markdown on stdout.

All figures come from `rill eval --json` (shared/spec/formats.md, datasets.md):
- NAME-class (8gaussians, moons, checkerboard): RK4/32, N samples per class
  against that class's fixed-label reference at guidance 1 (MMD², its floor,
  the 5-NN agreement), and the unconditional samples (w = 0: no --class)
  against the whole dataset.
- swissroll-s (vector:1): w = 0 against swissroll, and samples whose s are
  those of a swissroll draw (`rill data --labels-out`, `rill sample --cond`).
- moons-from-8gaussians: RK4/32 against moons.
- digits: 100 samples per class (RK4/32, class K from seed K) at each
  guidance weight of --digits-guidance: per-class 1-NN agreement and MMD²
  (bandwidths 2, 4, 8) against the class's images; 1,000 samples in the real
  set's class proportions (class K's share of 1,000 by largest remainder, the
  first rows of the same seed-K stream) against all 1,797 images, with the
  nearest-training-image quantiles (memorisation check); and the
  unconditional samples (w = 0).
  Each class has its own seed because samples of different classes from the
  same seed share their x0 and so are correlated (the same noise gives the
  same style): pooled, those pairs raise the within-sample kernel mean, a
  positive bias of MMD² (0.0022 against 0.0002 for the same model, README).
  The pooled mix follows the reference's (datasets.md: a draw of digits picks
  rows uniformly), so the class mix costs nothing by itself.

usage: eval_conditioned.py RILL [MODELS_DIR] [--n N] [--models a,b,...] [--digits-guidance 1,2]
Progress goes to stderr. Python standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

MODELS = ["8gaussians-class", "moons-class", "checkerboard-class", "swissroll-s", "moons-from-8gaussians", "digits"]
CLASSES = {"8gaussians-class": 8, "moons-class": 2, "checkerboard-class": 8, "digits": 10}
SOLVER = ["--solver", "rk4", "--steps", "32"]
# Goals of issue 12.
BAR_CLASS, BAR_W0, BAR_AGREE = 0.002, 0.003, 0.99
BAR_SOURCE = 0.003
BAR_DIGITS_W1, BAR_DIGITS_BEST, BAR_DIGITS_MMD = 0.98, 0.995, 0.001
DIGITS_PER_CLASS = 100


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("eval_conditioned: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def ev(rill, *args):
    out = json.loads(run([rill, "eval"] + list(args) + ["--json"]))
    print("eval_conditioned: %s -> mmd2 %.5f" % (" ".join(args), out["mmd2"]), file=sys.stderr)
    return out


def f4(v):
    return "%.4f" % v


def mark(v, bar, below=True):
    return " ✓" if (v <= bar if below else v >= bar) else " ✗"


def class_model(rill, name, model, n):
    ds = name[:-len("-class")]
    per = [ev(rill, "--data", ds, "--model", model, "--class", str(k), "--n", str(n), *SOLVER)
           for k in range(CLASSES[name])]
    w0 = ev(rill, "--data", ds, "--model", model, "--n", str(n), *SOLVER)
    worst = max(r["mmd2"] for r in per)
    agree = min(r["agreement"] for r in per)
    return "| %s | %s | %s%s | %s | %.4f%s | %s%s | %s |" % (
        name, " ".join(f4(r["mmd2"]) for r in per), f4(worst), mark(worst, BAR_CLASS),
        f4(max(r["mmd2_floor"] for r in per)), agree, mark(agree, BAR_AGREE, False), f4(w0["mmd2"]),
        mark(w0["mmd2"], BAR_W0), f4(w0["mmd2_floor"]))


def swissroll_s(rill, model, n, tmp):
    w0 = ev(rill, "--data", "swissroll", "--model", model, "--n", str(n), *SOLVER)
    s = os.path.join(tmp, "s.npy")
    x = os.path.join(tmp, "x.npy")
    run([rill, "data", "--data", "swissroll", "--n", str(n), "--seed", "7", "--out", os.path.join(tmp, "p.npy"),
         "--labels-out", s])
    run([rill, "sample", "--model", model, "--cond", s, "--out", x] + SOLVER)
    w1 = ev(rill, "--data", "swissroll", "--samples", x, "--n", str(n))
    return w0, w1


def sample_csv(rill, model, k, w, n, path):
    """n samples of class k at guidance w from seed k (RK4/32), as CSV rows (header, rows)."""
    run([rill, "sample", "--model", model, "--class", str(k), "--guidance", str(w), "--n", str(n), "--seed", str(k),
         "--out", path] + SOLVER)
    with open(path) as f:
        lines = f.read().splitlines()
    return lines[0], lines[1:]


def shares(counts, total):
    """total split over the classes in proportion to counts (largest remainder, ties to the lower class)."""
    exact = [total * c / sum(counts) for c in counts]
    out = [int(v) for v in exact]
    for k in sorted(range(len(counts)), key=lambda k: (out[k] - exact[k], k))[:total - sum(out)]:
        out[k] += 1
    return out


def digits(rill, model, weights, tmp):
    out = []
    for w in weights:
        files = []
        for k in range(10):
            files.append(os.path.join(tmp, "digits_w%s_%d.csv" % (w, k)))
            sample_csv(rill, model, k, w, DIGITS_PER_CLASS, files[k])
        per = [ev(rill, "--data", "digits", "--samples", p, "--class", str(k), "--n", str(DIGITS_PER_CLASS))
               for k, p in enumerate(files)]
        rows = []
        for k, n in enumerate(shares([r["reference"] for r in per], 10 * DIGITS_PER_CLASS)):
            header, r = sample_csv(rill, model, k, w, n, os.path.join(tmp, "digits_w%s_%d_share.csv" % (w, k)))
            rows += r
        allpath = os.path.join(tmp, "digits_w%s_all.csv" % w)
        with open(allpath, "w") as f:
            f.write(header + "\n" + "\n".join(rows) + "\n")
        whole = ev(rill, "--data", "digits", "--samples", allpath, "--n", str(10 * DIGITS_PER_CLASS))
        out.append((w, per, whole))
    w0 = ev(rill, "--data", "digits", "--model", model, "--n", "1000", *SOLVER)
    return out, w0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rill")
    ap.add_argument("models", nargs="?", default="web/models")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--models", dest="names", default=",".join(MODELS))
    ap.add_argument("--digits-guidance", default="1,2")
    a = ap.parse_args()
    names = [m for m in a.names.split(",") if m]
    t_start = time.time()
    p = print
    tmp = tempfile.mkdtemp(prefix="rill-eval-")
    paths = {}
    for name in names:
        paths[name] = os.path.join(a.models, name + ".safetensors")
        if not os.path.isfile(paths[name]):
            sys.exit("eval_conditioned: %s is missing (make models)" % paths[name])
    cls = [m for m in names if m.endswith("-class")]
    if cls:
        p("Class-conditioned models, RK4/32, %d samples per class at guidance 1 against that class's reference "
          "(goal ≤ %.3f every class), 5-NN agreement (goal ≥ %.2f), and the unconditional samples (w = 0, goal "
          "≤ %.3f) against the whole dataset:" % (a.n, BAR_CLASS, BAR_AGREE, BAR_W0))
        p("")
        p("| model | MMD² per class | worst | floor (worst) | agreement (worst) | w = 0 | w = 0 floor |")
        p("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for name in cls:
            p(class_model(a.rill, name, paths[name], a.n))
        p("")
    if "swissroll-s" in names:
        w0, w1 = swissroll_s(a.rill, paths["swissroll-s"], a.n, tmp)
        p("`swissroll-s` (vector:1, s): samples with the s of a swissroll draw (seed 7) score MMD² %s "
          "(floor %s) against swissroll, the unconditional ones (w = 0) %s." % (
              f4(w1["mmd2"]), f4(w1["mmd2_floor"]), f4(w0["mmd2"])))
        p("")
    if "moons-from-8gaussians" in names:
        r = ev(a.rill, "--data", "moons", "--model", paths["moons-from-8gaussians"], "--n", str(a.n), *SOLVER)
        p("`moons-from-8gaussians` (x0 from 8gaussians): MMD² %s%s against moons (floor %s, goal ≤ %.3f), "
          "W2 %.3f (floor %.3f)." % (f4(r["mmd2"]), mark(r["mmd2"], BAR_SOURCE), f4(r["mmd2_floor"]), BAR_SOURCE,
                                     r["w2"], r["w2_floor"]))
        p("")
    if "digits" in names:
        weights = [float(w) for w in a.digits_guidance.split(",") if w]
        res, w0 = digits(a.rill, paths["digits"], weights, tmp)
        p("`digits`, RK4/32, class K from seed K, by guidance w: 1-NN agreement of %d samples per class with "
          "the requested digit (goal ≥ %.3f at w = 1, ≥ %.3f at the best w), MMD² (RBF bandwidths 2, 4, 8) of "
          "1,000 samples in the real set's class proportions against all 1,797 images (goal ≤ %.3f at w = 1; "
          "floor: two halves of the set) and of each class's samples against that class's images (worst class):" % (
              DIGITS_PER_CLASS, BAR_DIGITS_W1, BAR_DIGITS_BEST, BAR_DIGITS_MMD))
        p("")
        p("| w | agreement | worst class | MMD² (all) | floor | MMD² per class (worst) | class floor (worst) |")
        p("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for w, per, whole in res:
            agree = sum(r["agreement"] for r in per) / len(per)
            worst = min(range(10), key=lambda k: per[k]["agreement"])
            p("| %g | %.3f | %d (%.2f) | %s | %s | %s | %s |" % (
                w, agree, worst, per[worst]["agreement"], f4(whole["mmd2"]), f4(whole["mmd2_floor"]),
                f4(max(r["mmd2"] for r in per)), f4(max(r["mmd2_floor"] for r in per))))
        p("")
        p("Unconditional samples (w = 0, 1,000): MMD² %s against all images." % f4(w0["mmd2"]))
        p("")
        q = res[0][2]["nearest_quantiles"]
        p("Memorisation check: distance from each sample to its nearest training image, beside each real image's "
          "distance to its nearest other image (quantiles):")
        p("")
        p("| | " + " | ".join("%g" % v for v in q) + " |")
        p("| --- | " + " | ".join(["---:"] * len(q)) + " |")
        for w, per, whole in res:
            p("| samples, w = %g | " % w + " | ".join("%.2f" % v for v in whole["nearest_samples"]) + " |")
        p("| samples, w = 0 | " + " | ".join("%.2f" % v for v in w0["nearest_samples"]) + " |")
        p("| real images | " + " | ".join("%.2f" % v for v in res[0][2]["nearest_real"]) + " |")
        p("")
    print("eval_conditioned: done in %.0f s" % (time.time() - t_start), file=sys.stderr)


if __name__ == "__main__":
    main()
