#!/usr/bin/env python3
"""Golden forward/backward values for the layers in include/isinggan/layers.

Run from anywhere:  python3 tests/reference/make_layer_fixtures.py
Writes tests/fixtures/layers/<case>.txt. Each file is a list of tensors:

    tensor <name> <n> <c> <h> <w>
    <n*c*h*w values, row-major NCHW>

Every case holds the input x, the layer's parameters, the output y, a random
output gradient dy and what PyTorch's autograd gives for dx and the parameter
gradients ("weight.grad", ...). Shapes are tiny so the files stay small.
Vectors (biases, batch-norm statistics) are written as [C, 1, 1, 1], dense
weights [Out, In] as [Out, In, 1, 1], matching how isinggan stores them.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "layers")


def as4(t):
    t = t.detach().to(torch.float32)
    while t.dim() < 4:
        t = t.unsqueeze(-1)
    return t


def write(case, tensors):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, case + ".txt"), "w") as f:
        for name, t in tensors.items():
            t = as4(t)
            f.write("tensor %s %d %d %d %d\n" % ((name,) + tuple(t.shape)))
            f.write(" ".join("%.9g" % v for v in t.flatten().tolist()) + "\n")


def run(case, module, x, extra=None):
    """Forward x, backward a random dy; record values and gradients."""
    x = x.clone().requires_grad_(True)
    params = {k: v.detach().clone() for k, v in module.named_parameters()}
    buffers_before = {k: v.detach().clone() for k, v in module.named_buffers() if v.dtype.is_floating_point}
    y = module(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    out = {"x": x}
    for k, v in params.items():
        out[k] = v
    for k, v in buffers_before.items():
        out[k + ".before"] = v
    out["y"] = y
    out["dy"] = dy
    out["dx"] = x.grad
    for k, v in module.named_parameters():
        out[k + ".grad"] = v.grad
    for k, v in module.named_buffers():
        if v.dtype.is_floating_point:
            out[k + ".after"] = v
    if extra:
        out.update(extra)
    write(case, out)


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


class Residual(nn.Module):
    """isinggan's residual<Block>: x + block(x)."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


class SkipConcat(nn.Module):
    """isinggan's skip_concat<Block>: cat(x, block(x)) along channels."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return torch.cat([x, self.block(x)], 1)


class Branch(nn.Module):
    """isinggan's branch<Trunk, Heads...>: one trunk, sibling heads."""

    def __init__(self, trunk, *heads):
        super().__init__()
        self.trunk = trunk
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        f = self.trunk(x)
        return [h(f) for h in self.heads]


def run_branch(case, module, x):
    """As run(), for a module with several outputs: y0, y1, ... and dy0, dy1, ..."""
    x = x.clone().requires_grad_(True)
    out = {"x": x}
    for k, v in module.state_dict().items():
        if v.dtype.is_floating_point:
            out[k if k in dict(module.named_parameters()) else k + ".before"] = v.clone()
    ys = module(x)
    dys = [torch.randn_like(y) for y in ys]
    torch.autograd.backward(ys, dys)
    for i, (y, dy) in enumerate(zip(ys, dys)):
        out["y%d" % i] = y
        out["dy%d" % i] = dy
    out["dx"] = x.grad
    for k, v in module.named_parameters():
        out[k + ".grad"] = v.grad
    for k, v in module.named_buffers():
        if v.dtype.is_floating_point:
            out[k + ".after"] = v
    write(case, out)


def up(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU())


def main():
    torch.manual_seed(20240611)

    run("dense", nn.Linear(5, 3), torch.randn(4, 5))
    run("conv2d_k3_s2_p1", nn.Conv2d(3, 4, 3, 2, 1), torch.randn(2, 3, 7, 6))
    run("conv2d_k1", nn.Conv2d(2, 3, 1), torch.randn(2, 2, 3, 3))
    run("conv_transpose2d_k4_s2_p1", nn.ConvTranspose2d(3, 2, 4, 2, 1), torch.randn(2, 3, 3, 4))
    run("conv_transpose2d_k3_s2_p1_op1", nn.ConvTranspose2d(2, 3, 3, 2, 1, output_padding=1),
        torch.randn(2, 2, 3, 3))

    # Batch norm: one training step (statistics from the batch, running
    # statistics updated), then evaluation with the updated running statistics.
    for name, bn, shape in (("batch_norm2d", nn.BatchNorm2d(3), (4, 3, 3, 2)),
                            ("batch_norm1d", nn.BatchNorm1d(5), (6, 5))):
        with torch.no_grad():
            bn.weight.copy_(torch.rand(bn.weight.shape) + 0.5)
            bn.bias.copy_(torch.randn(bn.bias.shape))
        bn.train()
        run(name + "_train", bn, torch.randn(*shape) * 2 + 1)
        bn.zero_grad()
        bn.eval()
        run(name + "_eval", bn, torch.randn(*shape) * 2 + 1)

    x = torch.randn(2, 3, 4, 5)
    run("relu", nn.ReLU(), x)
    run("leaky_relu", nn.LeakyReLU(0.2), x)
    run("tanh", nn.Tanh(), x)
    run("sigmoid", nn.Sigmoid(), x * 3)

    x = torch.randn(2, 3, 6, 7)
    run("max_pool2d_k2", nn.MaxPool2d(2), x)
    run("max_pool2d_k3_s2_p1", nn.MaxPool2d(3, 2, 1), x)
    run("avg_pool2d_k2", nn.AvgPool2d(2), x)
    run("avg_pool2d_k3_s2_p1", nn.AvgPool2d(3, 2, 1), x)
    run("global_avg_pool", nn.AdaptiveAvgPool2d(1), x)

    x = torch.randn(2, 2, 3, 4)
    run("upsample_nearest_x2", nn.Upsample(scale_factor=2, mode="nearest"), x)
    run("upsample_bilinear_x2", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), x)
    # Composites: the generator shape of the paper at toy size, and a
    # discriminator with a residual block and a U-Net level.
    gen = Branch(nn.Sequential(nn.Linear(6, 32), nn.Unflatten(1, (8, 2, 2)), nn.BatchNorm2d(8), nn.ReLU(), up(8, 4)),
                 nn.Sequential(nn.ConvTranspose2d(4, 3, 4, 2, 1), nn.Tanh()),
                 nn.Sequential(nn.ConvTranspose2d(4, 1, 4, 2, 1), nn.Sigmoid()))
    run_branch("generator_branch", gen, torch.randn(3, 6))
    disc = nn.Sequential(
        nn.Conv2d(3, 4, 3, 1, 1), nn.LeakyReLU(0.2),
        Residual(nn.Sequential(nn.Conv2d(4, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2))),
        SkipConcat(nn.Sequential(nn.Conv2d(4, 2, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(2, 3, 4, 2, 1))),
        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(7 * 2 * 2, 1))
    run("discriminator_sequential", disc, torch.randn(2, 3, 4, 4))

    run("upsample_bilinear_x3", nn.Upsample(scale_factor=3, mode="bilinear", align_corners=False), x)


if __name__ == "__main__":
    main()
