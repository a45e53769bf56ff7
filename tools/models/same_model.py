#!/usr/bin/env python3
"""Are two rill model files the same model, apart from their training time?

usage: same_model.py A.safetensors B.safetensors
Exit 0 when every tensor (name, dtype, shape, bytes) and every __metadata__
entry except `train_seconds` are equal; exit 1 (and say what differs)
otherwise. `rill train` records the wall-clock `train_seconds` in the file,
so two runs of the same deterministic command give the same weights but not
the same bytes; `make models` uses this to keep a shipped file (and the
golden vectors that pin its bytes) when retraining reproduced it.
Python standard library only.
"""
import json
import struct
import sys

IGNORED = {"train_seconds"}


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    buf = raw[8 + n:]
    meta = {k: v for k, v in header.pop("__metadata__", {}).items() if k not in IGNORED}
    tensors = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        tensors[name] = (t["dtype"], tuple(t["shape"]), buf[b:e])
    return meta, tensors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    try:
        (ma, ta), (mb, tb) = load(sys.argv[1]), load(sys.argv[2])
    except (OSError, ValueError, KeyError, struct.error) as e:
        print("same_model: %s" % e, file=sys.stderr)
        return 1
    diffs = []
    for k in sorted(set(ma) | set(mb)):
        if ma.get(k) != mb.get(k):
            diffs.append("metadata %s: %r vs %r" % (k, ma.get(k), mb.get(k)))
    for k in sorted(set(ta) | set(tb)):
        if ta.get(k) != tb.get(k):
            diffs.append("tensor %s differs" % k)
    for d in diffs:
        print("same_model: " + d, file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
