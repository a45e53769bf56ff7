"""rill_torch: build, train anywhere, and save PyTorch models that rill reads exactly.

rill's model file is safetensors with rill's metadata (shared/spec/formats.md).
This module builds the MLP the way rill evaluates it:

    input row = [ x (d) | time features of t | step features of h | condition ]
    hidden layers: Linear then the activation; the last layer is Linear only

so a model trained here (on one GPU, or many with torch.distributed: rill does
not try to be a distributed trainer) is saved with `save_rill` and then used by
`rill info`, `rill sample`, the web page or `rill export-c`.

    import torch
    from rill_torch import RillMLP, save_rill
    model = RillMLP(dim=2, width=128, depth=3, activation="silu", time="sin:4")
    ...train: loss = ((model(x_t, t) - (x1 - x0)) ** 2).mean() ...
    save_rill(model, "mine.safetensors", dataset="moons", steps=20000)

Run with Debian's python3-torch (`/usr/bin/python3`). Only torch is needed:
the `safetensors` package is used when installed, else the small writer below.
"""
import json
import math
import struct

import torch
from torch import nn

ACTIVATIONS = {
    "silu": lambda: nn.SiLU(),
    "relu": lambda: nn.ReLU(),
    "tanh": lambda: nn.Tanh(),
    "gelu": lambda: nn.GELU(),                       # erf form
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
}


def _encoding_width(name):
    """Features of a time or step encoding: 'raw' is 1, 'sin:K' is 2K."""
    if name == "raw":
        return 1
    if name.startswith("sin:"):
        k = int(name[4:])
        if not 1 <= k <= 12:
            raise ValueError(f"sin:K needs 1 <= K <= 12, got {name}")
        return 2 * k
    raise ValueError(f"unknown encoding {name!r} (raw or sin:K)")


def encode(name, t):
    """The features of formats.md for times t (shape (n,)): t itself, or
    sin(2^k·π·t) for k < K followed by cos(2^k·π·t) for k < K (float32)."""
    t = t.reshape(-1, 1).to(torch.float32)
    if name == "raw":
        return t
    k = int(name[4:])
    omega = torch.tensor([math.pi * 2.0 ** i for i in range(k)], dtype=torch.float32)
    a = t * omega
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)


class RillMLP(nn.Module):
    """The MLP rill reads: `depth` hidden layers of `width`, then a linear layer to d.

    time: 'raw' or 'sin:K'. condition: 'none', 'class:C' (one-hot) or 'vector:M'
    (M values then a 1). step_embedding: 'none', 'raw' or 'sin:K' (the step
    length h; the model's output is then the average velocity over [t, t + h]).
    """

    def __init__(self, dim=2, width=128, depth=3, activation="silu", time="raw", condition="none",
                 step_embedding="none"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}")
        self.dim, self.activation, self.time = dim, activation, time
        self.condition, self.step_embedding = condition, step_embedding
        self.classes = int(condition[6:]) if condition.startswith("class:") else 0
        self.cond_dim = int(condition[7:]) if condition.startswith("vector:") else 0
        if condition != "none" and not (self.classes or self.cond_dim):
            raise ValueError("condition must be none, class:C or vector:M")
        n_in = dim + _encoding_width(time)
        n_in += 0 if step_embedding == "none" else _encoding_width(step_embedding)
        n_in += self.classes + (self.cond_dim + 1 if self.cond_dim else 0)
        sizes = [n_in] + [width] * depth + [dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = ACTIVATIONS[activation]()

    def features(self, x, t, h=None, cond=None):
        """The first layer's input rows [x | time | step | condition] for n points.
        t (and h): a number or a tensor of n values. cond: None (no condition: all
        zeros), class indices (n,) for class:C, or an (n, M) / (1, M) tensor for vector:M."""
        n = x.shape[0]
        t = torch.as_tensor(t, dtype=torch.float32).expand(n) if torch.as_tensor(t).dim() == 0 else t
        parts = [x, encode(self.time, t)]
        if self.step_embedding != "none":
            if h is None:
                raise ValueError("a step-conditioned model needs h")
            h = torch.as_tensor(h, dtype=torch.float32)
            parts.append(encode(self.step_embedding, h.expand(n) if h.dim() == 0 else h))
        if self.classes:
            onehot = torch.zeros(n, self.classes)
            if cond is not None:
                onehot[torch.arange(n), torch.as_tensor(cond).long().expand(n)] = 1.0
            parts.append(onehot)
        elif self.cond_dim:
            if cond is None:
                parts.append(torch.zeros(n, self.cond_dim + 1))
            else:
                c = torch.as_tensor(cond, dtype=torch.float32).reshape(-1, self.cond_dim).expand(n, -1)
                parts.append(torch.cat([c, torch.ones(n, 1)], dim=1))
        return torch.cat(parts, dim=1)

    def forward(self, x, t, h=None, cond=None):
        a = self.features(x, t, h, cond)
        for i, layer in enumerate(self.layers):
            a = layer(a)
            if i < len(self.layers) - 1:
                a = self.act(a)
        return a

    def metadata(self, **facts):
        """rill's __metadata__ (formats.md): architecture keys, then training facts as strings."""
        narrow = any(p.dtype != torch.float32 for p in self.parameters())
        v2 = self.condition != "none" or self.step_embedding != "none" or narrow or "source" in facts
        meta = {"rill.format": "2" if v2 else "1", "dim": str(self.dim), "activation": self.activation,
                "time_embedding": self.time, "path": "condot", "sigma_min": "0"}
        if self.condition != "none":
            meta["condition"] = self.condition
        if self.step_embedding != "none":
            meta["step_embedding"] = self.step_embedding
        meta["made_by"] = "pytorch"
        for key, value in facts.items():
            meta[key] = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
        return meta


def _write_safetensors(tensors, metadata, path):
    """A minimal safetensors writer: header JSON padded with spaces so the data
    starts at a multiple of 8, tensors in the given order, little-endian F32."""
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.float16:
            dtype, data = "F16", t.numpy().astype("<f2").tobytes()
        elif t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bits as int16
            dtype, data = "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            dtype, data = "F32", t.to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def save_rill(model, path, **facts):
    """Writes `model` (a RillMLP) to `path` as a rill model file. facts: training
    facts for the metadata (dataset, steps, batch, lr, seed, ...), written as strings."""
    tensors = {}
    for i, layer in enumerate(model.layers):
        tensors[f"layers.{i}.weight"] = layer.weight
        tensors[f"layers.{i}.bias"] = layer.bias
    meta = model.metadata(**facts)
    # A model made half() or bfloat16() is written in that dtype (F16/BF16 weights and
    # biases, rill.format 2: shared/spec/formats.md "Weight dtypes"); anything else as F32.
    narrow = model.layers[0].weight.dtype in (torch.float16, torch.bfloat16)
    if narrow:
        meta["rill.format"] = "2"
    keep = (lambda v: v.detach().contiguous()) if narrow else (lambda v: v.detach().to(torch.float32).contiguous())
    try:
        from safetensors.torch import save_file
        save_file({k: keep(v) for k, v in tensors.items()}, path, metadata=meta)
    except ImportError:
        _write_safetensors(tensors, meta, path)
