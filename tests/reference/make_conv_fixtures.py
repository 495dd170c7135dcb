#!/usr/bin/python3
"""Golden fixtures for the CPU convolution kernels, from PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_conv_fixtures.py
Writes tests/fixtures/conv/*.bin. Inputs are rounded to float32 first and
the expected values computed in float64, so the fixtures hold PyTorch's
exact answer and the tests measure only our own rounding.
"""
import os

import torch
import torch.nn.functional as F

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "conv")

# name, N, C_in, H, W, C_out, kernel (kh, kw), stride (sh, sw), padding (ph, pw), output_padding
CONV = [
    ("conv_k3_s1_p1", 2, 3, 7, 6, 4, (3, 3), (1, 1), (1, 1)),
    ("conv_k5_s2_p2", 3, 4, 9, 11, 5, (5, 5), (2, 2), (2, 2)),
    ("conv_k4_s2_p0_batch1", 1, 2, 10, 10, 3, (4, 4), (2, 2), (0, 0)),
    ("conv_k1x7_p0x3", 2, 3, 5, 9, 2, (1, 7), (1, 1), (0, 3)),
]
TRANSPOSED = [
    ("tconv_k4_s2_p1", 2, 5, 4, 4, 3, (4, 4), (2, 2), (1, 1), (0, 0)),
    ("tconv_k5_s2_p2_op1", 3, 2, 5, 3, 4, (5, 5), (2, 2), (2, 2), (1, 1)),
    ("tconv_k3_s1_p0_batch1", 1, 3, 6, 5, 2, (3, 3), (1, 1), (0, 0), (0, 0)),
]


def case(name, forward, x, w, b, geometry):
    x64, w64, b64 = (t.double().requires_grad_() for t in (x, w, b))
    y = forward(x64, w64, b64)
    dy = torch.rand(y.shape, generator=gen).float() * 2 - 1
    y.backward(dy.double())
    write_fixture(os.path.join(OUT, name + ".bin"), {
        "x": x, "w": w, "b": b, "y": y, "dy": dy,
        "dx": x64.grad, "dw": w64.grad, "db": b64.grad,
        # kernel h, w; stride h, w; padding h, w; output padding h, w
        "geometry": torch.tensor(geometry, dtype=torch.float32),
    })


def rand(*shape):
    return torch.rand(shape, generator=gen).float() * 2 - 1


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20240601)
    for name, n, c, h, w, o, k, s, p in CONV:
        case(name, lambda x, wt, b, s=s, p=p: F.conv2d(x, wt, b, stride=s, padding=p),
             rand(n, c, h, w), rand(o, c, *k), rand(o), [*k, *s, *p, 0, 0])
    for name, n, c, h, w, o, k, s, p, op in TRANSPOSED:
        case(name, lambda x, wt, b, s=s, p=p, op=op: F.conv_transpose2d(x, wt, b, stride=s, padding=p,
                                                                        output_padding=op),
             rand(n, c, h, w), rand(c, o, *k), rand(o), [*k, *s, *p, *op])
    print("wrote", len(CONV) + len(TRANSPOSED), "fixtures to", os.path.normpath(OUT))
