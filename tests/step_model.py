#!/usr/bin/env python3
"""Writes a step-conditioned rill model file (formats.md, `step_embedding`) without PyTorch.

rill's trainer makes no such model, and tools/pytorch/rill_torch.py needs PyTorch, so the native
tests (tests/cli/run_tests.sh, make mcu-test, the fuzz corpus) make theirs here, byte for byte, from
integer formulas: the same file on every machine and Python.

  step_model.py OUT --sizes 5,16,16,2 [--time raw|sin:K] [--step raw|sin:K|none]
                [--condition none|class:C|vector:M] [--activation silu] [--seed S] [--format 2]
  step_model.py OUT --sizes 4,2 --linear "w00,w01,...;b0,b1"   (one layer: [out, in] row-major, then the bias)

Random weights: w = (((i * 2654435761 + 40503 * seed) mod 2^32) mod 2001 - 1000) / 1000 / sqrt(in),
biases the same with another offset: exact in float32, no libm in the values.
"""
import argparse
import json
import struct
import sys


def weights(count, fan_in, seed, salt):
    scale = fan_in ** -0.5
    out = []
    for i in range(count):
        k = ((i + salt) * 2654435761 + 40503 * seed) % (1 << 32)
        out.append((k % 2001 - 1000) / 1000.0 * scale)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--sizes", required=True, help="layer sizes, inputs first: d + time + step + condition, ..., d")
    ap.add_argument("--time", default="raw")
    ap.add_argument("--step", default="raw")
    ap.add_argument("--condition", default="none")
    ap.add_argument("--activation", default="silu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", default="2")
    ap.add_argument("--linear", help="one layer's weights and bias: 'w,w,...;b,b'")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    layers = []
    if a.linear is not None:
        w, b = a.linear.split(";")
        layers.append(([float(v) for v in w.split(",")], [float(v) for v in b.split(",")]))
        if len(sizes) != 2 or len(layers[0][0]) != sizes[0] * sizes[1] or len(layers[0][1]) != sizes[1]:
            sys.exit("step_model.py: --linear needs --sizes IN,OUT and IN*OUT weights, OUT biases")
    else:
        for i in range(len(sizes) - 1):
            n_in, n_out = sizes[i], sizes[i + 1]
            layers.append((weights(n_out * n_in, n_in, a.seed, 7919 * i), weights(n_out, n_in, a.seed, 7919 * i + 5003)))
    meta = {"rill.format": a.format, "dim": str(sizes[-1]), "activation": a.activation, "time_embedding": a.time}
    if a.condition != "none":
        meta["condition"] = a.condition
    if a.step != "none":
        meta["step_embedding"] = a.step
    meta["made_by"] = "tests/step_model.py"
    header = {"__metadata__": meta}
    data = b""
    for i, (w, b) in enumerate(layers):
        for name, vals, shape in ((f"layers.{i}.weight", w, [sizes[i + 1], sizes[i]]), (f"layers.{i}.bias", b, [sizes[i + 1]])):
            blob = struct.pack("<%df" % len(vals), *vals)
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
            data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-(8 + len(text))) % 16)  # the buffer starts at a multiple of 16
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    main()
