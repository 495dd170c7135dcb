#!/usr/bin/env python3
"""Writes the optimizer golden fixtures under tests/fixtures/optim/.

Each file records torch.optim (Adam or SGD) stepping three parameters of
different shapes for a few steps with given gradients:
  init.<p>          the parameter before the first step
  grad.<k>.<p>      the gradient used at step k (1-based)
  after.<k>.<p>     the parameter after step k
  state.<s>.<p>     the optimizer state <s> (exp_avg, exp_avg_sq, momentum_buffer) after the last step
and, in __metadata__, the optimizer's settings and the number of steps.

Run with Debian's python3 (it has torch): /usr/bin/python3 tests/reference/make_optim_fixtures.py
The safetensors package is not needed: the files are written by hand below.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "optim")
STEPS = 6
SHAPES = {"w": [3, 4], "conv": [2, 3, 2, 2], "b": [3]}


def save_safetensors(path, tensors, metadata):
    """float32 tensors in name order, header padded with spaces to a multiple of 8."""
    header = {"__metadata__": metadata}
    data = b""
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def record(file_name, make_optimizer, settings, seed):
    gen = torch.Generator().manual_seed(seed)
    params = {n: torch.nn.Parameter(torch.randn(s, generator=gen)) for n, s in SHAPES.items()}
    opt = make_optimizer(list(params.values()))
    out = {f"init.{n}": p.detach().clone() for n, p in params.items()}
    for k in range(1, STEPS + 1):
        for n, p in params.items():
            g = torch.randn(p.shape, generator=gen) * 0.5
            p.grad = g
            out[f"grad.{k}.{n}"] = g.clone()
        opt.step()
        for n, p in params.items():
            out[f"after.{k}.{n}"] = p.detach().clone()
    for n, p in params.items():
        for s, v in opt.state[p].items():
            if torch.is_tensor(v) and v.shape == p.shape:
                out[f"state.{s}.{n}"] = v.clone()
    meta = {k: repr(float(v)) for k, v in settings.items()}
    meta["steps"] = str(STEPS)
    save_safetensors(os.path.join(OUT, file_name), out, meta)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    adam_cases = [
        ("adam_paper.safetensors", dict(lr=2e-4, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0), 1),
        ("adam_decay.safetensors", dict(lr=0.05, beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=0.01), 2),
    ]
    for name, s, seed in adam_cases:
        record(name, lambda ps, s=s: torch.optim.Adam(ps, lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                                                      weight_decay=s["weight_decay"]), s, seed)
    sgd_cases = [
        ("sgd_plain.safetensors", dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=0.0), 3),
        ("sgd_momentum.safetensors", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3, nesterov=0.0), 4),
        ("sgd_nesterov.safetensors", dict(lr=0.05, momentum=0.8, dampening=0.0, weight_decay=1e-2, nesterov=1.0), 5),
    ]
    for name, s, seed in sgd_cases:
        record(name, lambda ps, s=s: torch.optim.SGD(ps, lr=s["lr"], momentum=s["momentum"], dampening=s["dampening"],
                                                     weight_decay=s["weight_decay"], nesterov=bool(s["nesterov"])),
               s, seed)


if __name__ == "__main__":
    main()
