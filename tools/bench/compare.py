#!/usr/bin/env python3
"""Side-by-side table of `rill bench --json` and bench_torch.py's JSON (same session).
   compare.py rill.json torch.json [wasm.json]"""
import json
import sys

rill = json.load(open(sys.argv[1]))
torch = json.load(open(sys.argv[2]))
wasm = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None


def index(doc):
    return {(r["what"], r["batch"], r["threads"]): r for r in doc["results"]} if doc else {}


R, T, W = index(rill), index(torch), index(wasm)
print(f"rill kernel {rill.get('kernel')}, measured peak {rill.get('peak_gflops_1thread', 0):.1f} GFLOP/s/thread; "
      f"PyTorch {torch.get('torch')} ({torch.get('blas')})\n")
print("| workload | batch | threads | rill /s | PyTorch /s | ratio | rill % of peak |" + (" wasm /s | wasm / native |" if W else ""))
print("| --- | --- | --- | --- | --- | --- | --- |" + (" --- | --- |" if W else ""))
for key in sorted(R, key=lambda k: (k[0] != "sample", k[2], k[1])):
    r, t, w = R[key], T.get(key), W.get(key)
    unit = "ev" if key[0] == "sample" else "steps"
    ratio = f"{r['per_second'] / t['per_second']:.2f}×" if t else "–"
    tps = f"{t['per_second']:,.0f}" + (f" ({t['mode']})" if t and "mode" in t else "") if t else "–"
    line = (f"| {key[0]} | {key[1]} | {key[2]} | {r['per_second']:,.0f} {unit} | {tps} | {ratio} | "
            f"{100 * r.get('peak_fraction', 0):.0f}% |")
    if W:
        line += f" {w['per_second']:,.0f} | {w['per_second'] / r['per_second']:.2f} |" if w else " – | – |"
    print(line)
