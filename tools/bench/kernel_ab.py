#!/usr/bin/env python3
"""kernel_ab: the native kernels before and after a change, on a shared machine.

    python3 tools/bench/kernel_ab.py BASE_REV [RUNS] [-- kernel_probe args]

Builds librill.a at BASE_REV (a git worktree under build/ab/) and at the working tree, links
tools/bench/kernel_probe.cpp against each, then runs the two probes in alternation RUNS times
(default 4) and prints, for every line kernel_probe prints, the fastest time each side read and
their ratio. The host's other tenants move single runs by a fifth or more; alternating the two
sides and keeping each side's fastest reading is what resolves a change of a few percent
(README, "Fourth session"). Prints figures only; not a test.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def build(src_root, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    run(["make", "-C", src_root, "-j2", "B=" + out_dir, out_dir + "/librill.a"], stderr=subprocess.DEVNULL)
    probe = os.path.join(out_dir, "kernel_probe")
    run(["g++", "-std=c++17", "-O3", "-ffp-contract=off", "-I" + os.path.join(src_root, "src"),
         os.path.join(ROOT, "tools/bench/kernel_probe.cpp"), os.path.join(out_dir, "librill.a"),
         "-pthread", "-o", probe])
    return probe


def times(output):
    """{line label: microseconds} for kernel_probe's timed lines."""
    out, section = {}, ""
    for line in output.splitlines():
        if line.startswith("-- "):
            section = line[3:].split(",")[0].split(" (")[0]  # "training steps", "forward pass", ...
            continue
        m = re.match(r"^(.*?\S)\s+([0-9.]+) us\b", line)
        if m:
            label = re.sub(r": [0-9]+ k evaluations/s|: [0-9]+ steps/s", "", m.group(1))
            if label.startswith("batch"):  # the same batches under two headings
                label = f"{section}, {label}"
            out[label] = float(m.group(2))
    return out


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    if not args:
        sys.exit(__doc__)
    base, runs = args[0], int(args[1]) if len(args) > 1 else 4
    wt = os.path.join(ROOT, "build/ab/base-src")
    if os.path.isdir(wt):
        run(["git", "-C", ROOT, "worktree", "remove", "--force", wt])
    run(["git", "-C", ROOT, "worktree", "add", "--detach", wt, base], stderr=subprocess.DEVNULL)
    try:
        probes = {"base": build(wt, os.path.join(wt, "build")),
                  "new": build(ROOT, os.path.join(ROOT, "build/ab/new"))}
        best = {"base": {}, "new": {}}
        for r in range(runs):
            for side in ("base", "new") if r % 2 == 0 else ("new", "base"):
                for label, us in times(run([probes[side]] + (extra or ["60", "train"]))).items():
                    best[side][label] = min(us, best[side].get(label, us))
        print(f"kernel_probe, fastest of {runs} alternated runs each: base {base} | working tree")
        for label, b in best["base"].items():
            n = best["new"].get(label)
            if n is not None:
                print(f"{label:44s} {b:10.2f} us {n:10.2f} us   new/base {n / b:5.3f}")
    finally:
        run(["git", "-C", ROOT, "worktree", "remove", "--force", wt])


if __name__ == "__main__":
    main()
