"""Writes tests/fixtures/fid/resize_exact.bin: F.interpolate(mode="bilinear",
align_corners=False) outputs that tests/metrics/fid_preprocess.cpp must
reproduce bit for bit (run with PyTorch 1.13 on an AVX2 or AVX-512 CPU).

    python3 tests/reference/make_fid_resize_fixture.py

Inputs are hashed byte images (make_fid_fixtures.hashed_bytes, which the test
regenerates), divided by 255 in float as ToTensor does. Stored:

  <name>_out          full resize of a small image (3 channels), for
                      up (13x17 -> 29x31), down (40x50 -> 17x23),
                      thin (1x5 -> 4x101) and tall (7x1 -> 299x3);
  fid_<h>x<w>_every7  of pytorch-fid's input 2 F.interpolate(x, 299) - 1,
                      rows and columns offset::7 (offset = stream % 7) of
                      channel stream % 3 (all three channels for 20x24);
  fid_20x24_red       the full 299x299 red plane of that input for 20x24.

PyTorch's CPU kernel runs a build per CPU capability; the AVX2 and AVX-512
builds fuse t0*w0 + t1*w1 into fma(t0, w0, t1*w1), the default build does
not, so the fixture is only written from a fused build.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_io import write_fixture  # noqa: E402
from make_fid_fixtures import hashed_bytes  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "fid")

SMALL = (  # name, stream, (h, w), (out_h, out_w)
    ("up", 41, (13, 17), (29, 31)),
    ("down", 42, (40, 50), (17, 23)),
    ("thin", 43, (1, 5), (4, 101)),
    ("tall", 44, (7, 1), (299, 3)),
)
FID = (  # stream, (h, w)
    (50, (20, 24)),
    (51, (64, 64)),
    (52, (256, 256)),
    (53, (360, 360)),
    (54, (33, 299)),
    (55, (301, 17)),
    (56, (299, 299)),
)


def unit(stream, h, w):
    return torch.from_numpy(hashed_bytes(stream, 3, h, w)).float() / 255.0


def main():
    config = torch.__config__.show()
    if "CPU capability usage: AVX2" not in config and "CPU capability usage: AVX512" not in config:
        sys.exit("needs PyTorch's AVX2 or AVX-512 CPU kernels (unset ATEN_CPU_CAPABILITY on such a CPU)")
    torch.set_num_threads(1)
    tensors = {}
    for name, stream, (h, w), size in SMALL:
        tensors[name + "_out"] = F.interpolate(unit(stream, h, w), size=size, mode="bilinear", align_corners=False)
    for stream, (h, w) in FID:
        x = 2 * F.interpolate(unit(stream, h, w), size=(299, 299), mode="bilinear", align_corners=False) - 1
        off = stream % 7
        channels = slice(0, 3) if (h, w) == (20, 24) else slice(stream % 3, stream % 3 + 1)
        tensors["fid_%dx%d_every7" % (h, w)] = x[:, channels, off::7, off::7].contiguous()
        if (h, w) == (20, 24):
            tensors["fid_20x24_red"] = x[0, 0].contiguous()
    os.makedirs(OUT, exist_ok=True)
    write_fixture(os.path.join(OUT, "resize_exact.bin"), tensors)


if __name__ == "__main__":
    main()
