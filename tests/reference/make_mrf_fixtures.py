#!/usr/bin/env python3
"""Golden values for the MRF smoothness losses, written with PyTorch.

Writes tests/fixtures/mrf/*.txt, read by tests/losses/mrf/*.cpp. Each file is
text: one tensor per block,
    <name> <n> <c> <h> <w>
    <n*c*h*w values, NCHW order, one per line>
and scalars as blocks of shape 1 1 1 1. Values are float64 computed from
float32 inputs (the inputs are rounded to float32 first, so the C++ side reads
exactly the same numbers).

Run from the repository root with Debian's python3 (it has torch):
    /usr/bin/python3 tests/reference/make_mrf_fixtures.py
"""
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "mrf")

LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64)


def write(path, blocks):
    with open(path, "w") as f:
        for name, t in blocks:
            t = t.detach().to(torch.float64).reshape(t.shape if t.dim() == 4 else (1, 1, 1, 1))
            f.write("%s %d %d %d %d\n" % ((name,) + tuple(t.shape)))
            for v in t.flatten().tolist():
                f.write("%.17g\n" % v)


def relaxed_input(gen, shape):
    # Rounded to float32, the type the library is used with.
    return torch.rand(shape, generator=gen).to(torch.float32).to(torch.float64)


def laplacian_l1(f, border):
    c = f.shape[1]
    k = LAPLACIAN.reshape(1, 1, 3, 3).repeat(c, 1, 1, 1)
    if border == "replicate":
        out = F.conv2d(F.pad(f, (1, 1, 1, 1), mode="replicate"), k, groups=c)
    else:
        out = F.conv2d(f, k, padding=1, groups=c)
    return out.abs().sum()


def ising(f, diagonals):
    e = (f[:, :, :, 1:] - f[:, :, :, :-1]).abs().sum() + (f[:, :, 1:, :] - f[:, :, :-1, :]).abs().sum()
    if diagonals:
        e = e + (f[:, :, 1:, 1:] - f[:, :, :-1, :-1]).abs().sum()
        e = e + (f[:, :, 1:, :-1] - f[:, :, :-1, 1:]).abs().sum()
    return e


def golden(path, f, loss):
    f = f.clone().requires_grad_(True)
    e = loss(f)
    (g,) = torch.autograd.grad(e, f)
    write(path, [("input", f), ("energy", e.reshape(1, 1, 1, 1)), ("gradient", g)])


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20190522)
    f = relaxed_input(gen, (2, 2, 6, 7))
    golden(os.path.join(OUT, "laplacian_l1_replicate.txt"), f, lambda t: laplacian_l1(t, "replicate"))
    golden(os.path.join(OUT, "laplacian_l1_zero.txt"), f, lambda t: laplacian_l1(t, "zero"))
    g = relaxed_input(gen, (2, 1, 7, 5))
    golden(os.path.join(OUT, "ising_four.txt"), g, lambda t: ising(t, False))
    golden(os.path.join(OUT, "ising_eight.txt"), g, lambda t: ising(t, True))


if __name__ == "__main__":
    main()
