#!/usr/bin/env python3
"""Golden forward/backward values for include/isinggan/models/unet.hpp.

Run from anywhere (PyTorch 1.13 or later):  python3 tests/reference/make_unet_fixtures.py
Writes tests/fixtures/unet/unet_w32_<up>.igfx (format: fixture_io.py) for the
depth-4 U-Net at width 1/32 (2 ... 32 channels), transposed-conv and bilinear
up paths, in training mode (batch norm on batch statistics).

The modules mirror the C++ nesting, so the state_dict names are the same
("0.0.0.weight" is the first 3x3 convolution). To keep the files small the
parameters, the input and the output gradient are not stored: both sides fill
them from the same formula (value_of below; tests/models/unet_golden.cpp).
Stored: y (output), dx (input gradient) and, per
parameter, three numbers: the sum of its gradient, the sum of squares, and
the dot product with sin(0.37 i) ("<name>.grad_stats", shape [3]).
"""
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import write_fixture  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "unet")


def name_code(name):
    """A small number from a parameter's name, the same in C++."""
    return sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009


def value_of(code, n, scale):
    """scale * sin(0.731 i + 0.917 code + 0.1), i = 0..n-1, computed in double."""
    return torch.tensor([scale * math.sin(0.731 * i + 0.917 * code + 0.1) for i in range(n)], dtype=torch.float64)


def double_conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class SkipConcat(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return torch.cat([x, self.block(x)], 1)


def up_step(cin, cout, bilinear):
    if bilinear:
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                             nn.Conv2d(cin, cout, 1))
    return nn.ConvTranspose2d(cin, cout, 2, stride=2)


def level(cin, c, depth, bilinear):
    if depth == 0:
        return double_conv(cin, c)
    inner = level(c, 2 * c, depth - 1, bilinear)
    return nn.Sequential(double_conv(cin, c), SkipConcat(nn.Sequential(nn.MaxPool2d(2), inner, up_step(2 * c, c, bilinear))),
                         double_conv(2 * c, c))


def unet(base, depth, bilinear):
    return nn.Sequential(level(3, base, depth, bilinear), nn.Conv2d(base, 1, 1))


def make(bilinear):
    net = unet(2, 4, bilinear).double()
    with torch.no_grad():
        for name, p in net.named_parameters():
            scale = 0.5 if p.dim() > 1 else 0.2
            p.copy_(value_of(name_code(name), p.numel(), scale).view_as(p))
            if name.endswith(".weight") and p.dim() == 1:  # batch-norm scale: around 1
                p.add_(1.0)
    shape = (2, 3, 32, 32)
    x = value_of(1, math.prod(shape), 1.0).view(shape).float().double().requires_grad_(True)
    y = net(x)
    dy = value_of(2, y.numel(), 1.0).view_as(y).float().double()
    y.backward(dy)
    out = {"y": y, "dx": x.grad}
    for name, p in net.named_parameters():
        g = p.grad.flatten()
        w = torch.tensor([math.sin(0.37 * i) for i in range(g.numel())], dtype=torch.float64)
        out[name + ".grad_stats"] = torch.stack([g.sum(), (g * g).sum(), (g * w).sum()])
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "unet_w32_%s.igfx" % ("bilinear" if bilinear else "transposed"))
    write_fixture(path, out)
    print("wrote", path, len(out), "tensors")


if __name__ == "__main__":
    make(False)
    make(True)
