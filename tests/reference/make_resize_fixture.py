"""Writes resize_reference.txt: inputs and PyTorch's resized outputs that
tests/data/resize.cpp compares isinggan::data::resize_planes against.

Shrinking uses F.interpolate(mode="bilinear", antialias=True), enlarging plain
bilinear; both with align_corners=False. Run with Debian's python3 (torch):
    /usr/bin/python3 tests/reference/make_resize_fixture.py
Format: per case a line "in_h in_w out_h out_w", a line of in_h*in_w input
values, a line of out_h*out_w expected values (row-major).
"""
import os
import torch
import torch.nn.functional as F

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "data")
gen = torch.Generator().manual_seed(7)
cases = [(13, 17, 5, 7), (40, 30, 8, 8), (30, 24, 7, 33), (4, 3, 9, 8), (5, 5, 12, 5), (6, 9, 6, 9)]
with open(os.path.join(here, "resize_reference.txt"), "w") as f:
    for in_h, in_w, out_h, out_w in cases:
        x = torch.rand(1, 1, in_h, in_w, generator=gen, dtype=torch.float64)
        shrinking = out_h < in_h or out_w < in_w
        y = F.interpolate(x, size=(out_h, out_w), mode="bilinear", align_corners=False, antialias=shrinking)
        f.write(f"{in_h} {in_w} {out_h} {out_w}\n")
        f.write(" ".join(f"{v:.9g}" for v in x.flatten().tolist()) + "\n")
        f.write(" ".join(f"{v:.9g}" for v in y.flatten().tolist()) + "\n")
