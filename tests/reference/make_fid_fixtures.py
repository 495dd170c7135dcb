"""Writes the FID fixtures in tests/fixtures/fid/ (run with PyTorch and numpy).

    python3 tests/reference/make_fid_fixtures.py [frechet|npz|resize|inception ...]

Random inputs come from a counter-based hash (splitmix64 of stream * C1 +
index * C2) that tests/metrics/fid*.cpp and tests/models/inception*.cpp
reimplement, so large inputs (2048-d features, Inception's 22M weights) are
regenerated in the tests instead of being committed. Only small inputs and
the reference outputs are stored.

frechet:   FID of hashed feature sets (d = 2048; one well-conditioned case with
           N > d, one rank-deficient case with N < d), computed in float64
           with numpy: np.mean, np.cov and the trace of sqrtm(Σ1 Σ2) as the sum
           of the square roots of the eigenvalues of Σ1 Σ2 (what scipy's
           sqrtm-based calculate_frechet_distance computes; scipy itself is
           not needed).
npz:       small statistics saved by np.savez, np.savez_compressed and as
           float32 / Fortran order.
resize:    F.interpolate(mode="bilinear", align_corners=False) outputs.
inception: 2048-d features of pytorch-fid's Inception-v3 (FIDInceptionA/C/E_1/E_2
           blocks) built here with torch.nn, with hashed weights, in float64.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_io import write_fixture  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "fid")
MASK = (1 << 64) - 1
C1 = np.uint64(0xD1B54A32D192ED03)
C2 = np.uint64(0x9E3779B97F4A7C15)


def hash_uniform(stream, count):
    """count doubles in [0, 1): splitmix64(stream * C1 + i * C2) >> 11, times 2^-53."""
    with np.errstate(over="ignore"):
        z = np.uint64(stream) * C1 + np.arange(count, dtype=np.uint64) * C2
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# --- Fréchet distance -------------------------------------------------------

def hashed_features(stream, n, d, shift, scale):
    """float32 [n, d]: hashed uniforms with a rank-16 correlated part."""
    raw = hash_uniform(stream, n * d).reshape(n, d)
    mix = hash_uniform(stream + 1, 16 * d).reshape(16, d) - 0.5
    x = (raw + raw[:, :16] @ mix) * scale + shift
    return x.astype(np.float32)


CASES = {  # name: (stream, n, shift, scale) for the two sets
    "well": ((101, 2600, 0.0, 1.0), (201, 2600, 0.1, 1.2)),
    "ill": ((301, 300, 0.0, 1.0), (401, 250, 0.05, 0.9)),
}


def frechet_reference(mu1, s1, mu2, s2):
    eig = np.linalg.eigvals(s1 @ s2)
    trace_sqrt = np.sum(np.sqrt(np.clip(eig.real, 0.0, None)))
    diff = mu1 - mu2
    return diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt


def make_frechet():
    lines = []
    for name, sets in CASES.items():
        stats = []
        for k, (stream, n, shift, scale) in enumerate(sets):
            x = hashed_features(stream, n, 2048, shift, scale).astype(np.float64)
            mu, sigma = x.mean(axis=0), np.cov(x, rowvar=False)
            stats.append((mu, sigma))
            tag = "%s_%s" % (name, "ab"[k])
            lines += ["%s_mu_sum %.17g" % (tag, mu.sum()),
                      "%s_sigma_trace %.17g" % (tag, np.trace(sigma)),
                      "%s_sigma_0_1 %.17g" % (tag, sigma[0, 1]),
                      "%s_sigma_100_2047 %.17g" % (tag, sigma[100, 2047])]
        lines.append("%s_fid %.17g" % (name, frechet_reference(*stats[0], *stats[1])))
    with open(os.path.join(OUT, "frechet_reference.txt"), "w") as f:
        f.write("# written by tests/reference/make_fid_fixtures.py frechet\n" + "\n".join(lines) + "\n")


# --- .npz statistics ------------------------------------------------------------

def make_npz():
    mu = hash_uniform(7, 5)
    sigma = hash_uniform(8, 25).reshape(5, 5)
    np.savez(os.path.join(OUT, "stats_savez.npz"), mu=mu, sigma=sigma)
    np.savez_compressed(os.path.join(OUT, "stats_savez_compressed.npz"), mu=mu, sigma=sigma)
    np.savez(os.path.join(OUT, "stats_float32_fortran.npz"), mu=mu.astype(np.float32),
             sigma=np.asfortranarray(sigma))


# --- resize ------------------------------------------------------------------------

def hashed_bytes(stream, c, h, w):
    return np.floor(hash_uniform(stream, c * h * w) * 256.0).reshape(1, c, h, w)


def make_resize():
    tensors = {}
    for name, stream, (h, w), (oh, ow) in (("up", 11, (13, 17), (29, 31)), ("down", 12, (40, 50), (17, 23))):
        b = torch.from_numpy(hashed_bytes(stream, 3, h, w)).float()
        tensors[name + "_bytes"] = b
        tensors[name + "_out"] = F.interpolate(b / 255.0, size=(oh, ow), mode="bilinear", align_corners=False)
    b = torch.from_numpy(hashed_bytes(13, 3, 20, 24)).float()
    full = 2.0 * F.interpolate(b / 255.0, size=(299, 299), mode="bilinear", align_corners=False) - 1.0
    tensors["fid_bytes"] = b
    tensors["fid_out_every7"] = full[:, :, ::7, ::7].contiguous()
    write_fixture(os.path.join(OUT, "resize.bin"), tensors)


# --- Inception (pytorch-fid's FID variant) --------------------------------------------

def name_stream(name):
    """FNV-1a 64 of the tensor name: the hash stream its values are drawn from."""
    h = 0xCBF29CE484222325
    for byte in name.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def hashed_weight(name, shape):
    """Values for one state_dict entry (float32, then used in float64)."""
    count = int(np.prod(shape))
    u = hash_uniform(name_stream(name), count)
    if name.endswith("conv.weight"):
        fan_in = int(np.prod(shape[1:]))
        v = (2.0 * u - 1.0) * np.sqrt(6.0 / fan_in)
    elif name.endswith("bn.weight") or name.endswith("bn.running_var"):
        v = 0.5 + u
    elif name.endswith("bn.bias"):
        v = 0.2 * (2.0 * u - 1.0)
    elif name.endswith("bn.running_mean"):
        v = 0.1 * (2.0 * u - 1.0)
    else:
        raise ValueError(name)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class FidBlockA(nn.Module):
    def __init__(self, cin, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        return torch.cat([b1, b5, b3, bp], 1)


class BlockB(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([b3, bd, F.max_pool2d(x, 3, 2)], 1)


class FidBlockC(nn.Module):
    def __init__(self, cin, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for k in range(1, 6):
            bd = getattr(self, "branch7x7dbl_%d" % k)(bd)
        bp = self.branch_pool(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        return torch.cat([b1, b7, bd, bp], 1)


class BlockD(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = x
        for k in range(1, 5):
            b7 = getattr(self, "branch7x7x3_%d" % k)(b7)
        return torch.cat([b3, b7, F.max_pool2d(x, 3, 2)], 1)


class FidBlockE(nn.Module):
    def __init__(self, cin, max_pool):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(cin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        t = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(t), self.branch3x3_2b(t)], 1)
        t = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(t), self.branch3x3dbl_3b(t)], 1)
        if self.max_pool:  # FID-Inception-E_2
            p = F.max_pool2d(x, 3, 1, 1)
        else:  # FID-Inception-E_1
            p = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        return torch.cat([b1, b3, bd, self.branch_pool(p)], 1)


class FidInceptionV3(nn.Module):
    """pytorch-fid's InceptionV3 up to the 2048-d pool3 features."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = FidBlockA(192, 32)
        self.Mixed_5c = FidBlockA(256, 64)
        self.Mixed_5d = FidBlockA(288, 64)
        self.Mixed_6a = BlockB(288)
        self.Mixed_6b = FidBlockC(768, 128)
        self.Mixed_6c = FidBlockC(768, 160)
        self.Mixed_6d = FidBlockC(768, 160)
        self.Mixed_6e = FidBlockC(768, 192)
        self.Mixed_7a = BlockD(768)
        self.Mixed_7b = FidBlockE(1280, max_pool=False)
        self.Mixed_7c = FidBlockE(2048, max_pool=True)

    def forward(self, x):
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, 2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, 2)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(self, "Mixed_" + name)(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def fid_input(byte_images):
    """pytorch-fid's preprocessing in float32: /255, bilinear resize to 299, 2x - 1."""
    x = torch.from_numpy(byte_images).float() / 255.0
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    return 2.0 * x - 1.0


# The test images: hashed bytes, two sizes of 3-channel images.
INCEPTION_IMAGES = ((21, 40, 48), (22, 40, 48))


def make_inception():
    torch.set_num_threads(2)
    model = FidInceptionV3()
    state = {k: hashed_weight(k, tuple(v.shape)) for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    model.load_state_dict(state, strict=False)
    model = model.double().eval()
    images = np.concatenate([hashed_bytes(s, 3, h, w) for s, h, w in INCEPTION_IMAGES])
    with torch.no_grad():
        feats = model(fid_input(images).double())
    print("features: mean %.4g, max %.4g, zero fraction %.3f" % (feats.mean(), feats.max(), (feats == 0).double().mean()))
    write_fixture(os.path.join(OUT, "inception_features.bin"), {"features": feats})


if __name__ == "__main__":
    parts = sys.argv[1:] or ["frechet", "npz", "resize", "inception"]
    os.makedirs(OUT, exist_ok=True)
    for part in parts:
        globals()["make_" + part]()
