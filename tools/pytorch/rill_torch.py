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

and the other way, `load_rill("moons.safetensors")` gives the RillMLP of a file
rill wrote (or any file rill reads), float32, its metadata in `.rill_metadata`.

Run with Debian's python3-torch (`/usr/bin/python3`). Only torch is needed:
the `safetensors` package is used when installed, else the small writer below.
"""
import json
import math
import re
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


# rill reads at most this many linear layers (src/rill/mlp.h kMaxLayers).
MAX_LAYERS = 16
# Metadata keys that describe the network itself: RillMLP's settings write them, never a training fact.
MODEL_KEYS = ("rill.format", "dim", "activation", "time_embedding", "path", "sigma_min", "condition",
              "step_embedding")


def _fact_text(value):
    """A training fact as metadata text: strings as they are, floats by repr (every digit), lists and
    tuples comma-separated (class_names), booleans as true/false, anything else by str."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_fact_text(v) for v in value)
    return str(value)


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
        if not 1 <= depth <= MAX_LAYERS - 1:
            raise ValueError(f"depth must be 1 .. {MAX_LAYERS - 1}: rill reads at most {MAX_LAYERS} linear layers")
        n_in = dim + _encoding_width(time)
        n_in += 0 if step_embedding == "none" else _encoding_width(step_embedding)
        n_in += self.classes + (self.cond_dim + 1 if self.cond_dim else 0)
        sizes = [n_in] + [width] * depth + [dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = ACTIVATIONS[activation]()

    def features(self, x, t, h=None, cond=None, drop=None):
        """The first layer's input rows [x | time | step | condition] for n points.
        t (and h): a number or a tensor of n values. cond: None (no condition: all
        zeros), class indices (a number or n of them; -1 is "none" for that row, as
        in rill.h) for class:C, or an (n, M) / (1, M) tensor for vector:M.
        drop: None, or n booleans: the rows given no condition (condition dropout,
        which guidance needs: formats.md cfg_dropout)."""
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
                k = torch.as_tensor(cond).long().expand(n)
                if bool(((k < -1) | (k >= self.classes)).any()):
                    raise ValueError(f"class indices must be 0 .. {self.classes - 1}, or -1 for none")
                given = k >= 0
                onehot[torch.arange(n)[given], k[given]] = 1.0
            parts.append(onehot)
        elif self.cond_dim:
            if cond is None:
                parts.append(torch.zeros(n, self.cond_dim + 1))
            else:
                c = torch.as_tensor(cond, dtype=torch.float32).reshape(-1, self.cond_dim).expand(n, -1)
                parts.append(torch.cat([c, torch.ones(n, 1)], dim=1))
        if drop is not None and (self.classes or self.cond_dim):
            keep = ~torch.as_tensor(drop, dtype=torch.bool).expand(n)
            parts[-1] = parts[-1] * keep[:, None].to(torch.float32)
        return torch.cat(parts, dim=1)

    def forward(self, x, t, h=None, cond=None, drop=None):
        a = self.features(x, t, h, cond, drop)
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
            if key in MODEL_KEYS:
                raise ValueError(f"{key!r} is the model's own setting ({meta.get(key, 'none')!r} here), not a training "
                                 f"fact: set it on RillMLP")
            meta[key] = _fact_text(value)
        return meta


def distil_step_model(model, trajectory, steps=3000, batch=256, lr=3e-3, one_step_share=0.25, ema=0.999, seed=0,
                      log_every=0):
    """Trains a step-conditioned RillMLP (step_embedding raw or sin:K) into a few-step
    generator by distilling a teacher's trajectories: the model's output at (x_t, t, h)
    is the teacher's average velocity over [t, t + h],

        u(X(t), t, h) ≈ (X(t + h) − X(t)) / h,  h = 1, 1/2, 1/4, …, 1/S,  t = i·h,

    so that N Euler steps of length h = 1/N (the h that rill feeds: (t1 − t0)/steps)
    follow the teacher's flow map, and one step of length 1 is x1 = x0 + u(x0, 0, 1).

    trajectory: (S + 1, n, d), the teacher's points at t = 0, 1/S, …, 1, S a power of
    two (`rill sample --model TEACHER --x0 x0.npy --trajectory --solver rk4 --steps S
    --out traj.npy`). Each minibatch row is one trajectory, one step count N = 2^j
    (j uniform in 0..log2 S; a share `one_step_share` of the rows takes N = 1) and one
    step i < N of it. Adam with a cosine schedule from lr to lr/100; with ema > 0 the
    model ends with the exponential moving average of its weights (decay warmed up
    as in rill's trainer). Returns the mean
    loss of the last 100 steps. An unconditional model (condition 'none').
    """
    import copy
    traj = torch.as_tensor(trajectory, dtype=torch.float32)
    s_total, n = traj.shape[0] - 1, traj.shape[1]
    levels = s_total.bit_length() - 1
    if s_total < 1 or 1 << levels != s_total:
        raise ValueError(f"the trajectory needs 2^J + 1 time points, got {s_total + 1}")
    if model.step_embedding == "none" or model.condition != "none":
        raise ValueError("distil_step_model trains an unconditional model with a step_embedding")
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * min(k, steps) / steps)))
    average = copy.deepcopy(model) if ema > 0 else None
    recent = []
    for k in range(steps):
        rows = torch.randint(n, (batch,), generator=g)
        j = torch.randint(levels + 1, (batch,), generator=g)
        j[torch.rand(batch, generator=g) < one_step_share] = 0
        count = 2 ** j                                     # N, steps from 0 to 1
        i = (torch.rand(batch, generator=g) * count).long()  # which step
        stride = s_total // count                          # trajectory points per step
        a, b = i * stride, (i + 1) * stride
        h = 1.0 / count.float()
        x_t, x_next = traj[a, rows], traj[b, rows]
        loss = ((model(x_t, i.float() * h, h) - (x_next - x_t) / h[:, None]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if average is not None:  # decay warmed up as rill's trainer does: min(ema, (2 + k) / (11 + k))
            decay = min(ema, (2.0 + k) / (11.0 + k))
            with torch.no_grad():
                for p_avg, p in zip(average.parameters(), model.parameters()):
                    p_avg.mul_(decay).add_(p, alpha=1.0 - decay)
        recent = (recent + [float(loss)])[-100:]
        if log_every and (k + 1) % log_every == 0:
            print(f"step {k + 1}/{steps}  loss {sum(recent) / len(recent):.5f}")
    if average is not None:
        model.load_state_dict(average.state_dict())
    return sum(recent) / len(recent)


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
    """Writes `model` (a RillMLP, or a DataParallel / DistributedDataParallel wrapping
    one) to `path` as a rill model file. facts: training facts for the metadata
    (dataset, steps, batch, lr, seed, class_names=[...], ...), written as strings;
    the network's own keys (activation, time_embedding, condition, ...) come from
    the model and cannot be given as facts."""
    model = getattr(model, "module", model)  # torch.nn.DataParallel and DDP hold the model as .module
    if not isinstance(model, RillMLP):
        raise TypeError(f"save_rill writes a RillMLP, not {type(model).__name__}")
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


_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": "<i2", "I8": "i1"}  # numpy codes (BF16's bits as int16)


def _read_safetensors(path):
    """The header's metadata and tensors (torch, as stored) of a safetensors file."""
    import numpy as np
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, shorter than a safetensors header")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file (not a safetensors file?)")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta, data, tensors = header.pop("__metadata__", {}) or {}, blob[8 + n:], {}
    for name, e in header.items():
        if e["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {e['dtype']} (rill reads F32, F16, BF16, I8)")
        begin, end = e["data_offsets"]
        a = np.frombuffer(data[begin:end], dtype=np.dtype(_DTYPES[e["dtype"]])).reshape(e["shape"]).copy()
        t = torch.from_numpy(a)
        tensors[name] = t.view(torch.bfloat16) if e["dtype"] == "BF16" else t
    return meta, tensors


def load_rill(path):
    """The RillMLP of a rill model file, float32 (F16/BF16 weights widened, I8 as q x weight_scale rounded
    once, as rill does), in eval mode; its metadata in `.rill_metadata`. Tensors are read by formats.md's
    rule ({prefix}{i}.weight / .bias ordered by i as numbers; rill.* tensors ignored). RillMLP has one
    hidden width, so a file whose hidden layers differ in width is refused."""
    meta, tensors = _read_safetensors(path)
    layers = {}
    for name, t in tensors.items():
        if name.startswith("rill."):
            continue
        m = re.fullmatch(r"(.*?)(\d+)\.(weight|bias|weight_scale)", name)
        if m is None:
            raise ValueError(f"{path}: tensor {name} is not a layer's weight or bias")
        layers.setdefault(int(m.group(2)), {})[m.group(3)] = t
    order = sorted(layers)
    weights, biases = [], []
    for i in order:
        w, b = layers[i].get("weight"), layers[i].get("bias")
        if w is None or b is None:
            raise ValueError(f"{path}: layer {i} needs both a weight and a bias")
        if w.dtype == torch.int8:
            if "weight_scale" not in layers[i]:
                raise ValueError(f"{path}: layer {i} has I8 weights without a weight_scale")
            w = w.to(torch.float32) * layers[i]["weight_scale"].to(torch.float32)[:, None]
        weights.append(w.to(torch.float32))
        biases.append(b.to(torch.float32))
    if len(weights) < 2:
        raise ValueError(f"{path}: {len(weights)} linear layer(s); RillMLP has at least 2")
    ours = "rill.format" in meta  # without it every key takes its default (formats.md)
    get = (lambda k, d: meta.get(k, d)) if ours else (lambda k, d: d)
    widths = {w.shape[0] for w in weights[:-1]}
    if len(widths) != 1:
        raise ValueError(f"{path}: hidden widths {sorted(widths)} differ; RillMLP has one width")
    model = RillMLP(dim=int(get("dim", weights[-1].shape[0])), width=widths.pop(), depth=len(weights) - 1,
                    activation=get("activation", "silu"), time=get("time_embedding", "raw"),
                    condition=get("condition", "none"), step_embedding=get("step_embedding", "none"))
    for layer, w, b in zip(model.layers, weights, biases):
        if tuple(layer.weight.shape) != tuple(w.shape):
            raise ValueError(f"{path}: a layer of shape {list(w.shape)} where the metadata's network has "
                             f"{list(layer.weight.shape)}")
        with torch.no_grad():
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    model.rill_metadata = dict(meta)
    return model.eval()
