#!/usr/bin/env python3
"""One GAN training step in PyTorch eager mode, timed: the reference for our CUDA backend.

Mirrors isinggan's gan_trainer::step (include/isinggan/train/gan_trainer.hpp)
with the paper's networks (include/isinggan/models/generator.hpp and
discriminator.hpp) and the Ising smoothness term (losses/mrf, mrf_loss<ising>,
4-neighbourhood, lambda 1.5, reduction mean):

  1. z ~ U[-1, 1]^100 drawn on the device; (image, mask) = G(z); fake = [image | mask].
  2. D step: zero D's gradients; BCE(D(real), 1) backward; BCE(D(fake.detach()), 0)
     backward; Adam on D.
  3. G step: BCE(D(fake), 1) through the *updated* D, plus lambda * L_smooth(mask),
     backward into G; Adam on G.

Module names follow our state_dict names ("trunk.0.weight", "heads.1.*", ...).
The real batch is a random tensor already on the device: data loading, and
the dihedral augmentation our trainer applies to it, are not timed.

    python3 torch_gan_step.py --size 256 --batch 64 --width-divisor 1 --models gan,resgan \
        --warmup 3 --steps 10 --device cuda [--tf32 on|off] [--json out.json]
    python3 torch_gan_step.py --size 256 --width-divisor 1 --check-shapes

Runs on PyTorch 1.13 and 2.x alike (eager only, no torch.compile).
"""

import argparse
import json
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 100  # models::latent_size
SIZES = (32, 64, 128, 256)
WIDTH_DIVISORS = (1, 2, 4, 8)
LAMBDA = 1.5  # gan_options::lambda, applied as lambda / (N * H * W) to the summed energy
LEAKY_SLOPE = 0.2  # leaky_relu's default in layers/activation.hpp (the paper's)


# --- models ------------------------------------------------------------------


def trunk_stages(size):
    """log2(size / 32): the trunk stages that upsample at this side (3 at 256)."""
    return {256: 3, 128: 2, 64: 1, 32: 0}[size]


def discriminator_stride(layer, size):
    """2 for the first log2(size) - 2 convolutions, 1 after (the maps end at 4 x 4)."""
    downs = 0
    s = size
    while s > 4:
        downs += 1
        s //= 2
    return 2 if layer < downs else 1


def upsample_stage(cin, cout):
    """Transposed conv k4 s2 p1 (doubles each axis), batch norm, ReLU."""
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU())


def same_size_stage(cin, cout):
    """Trunk stage below side 256: transposed conv k3 s1 p1, batch norm, ReLU."""
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU())


class Residual(nn.Module):
    """y = x + block(x) (our residual<Block>)."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


def residual_stack(c):
    """Two 3x3 stride-1 convs with BN, identity shortcut around them, then ReLU."""
    block = nn.Sequential(
        nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c)
    )
    return nn.Sequential(Residual(block), nn.ReLU())


class Generator(nn.Module):
    """paper_generator ("gan") or residual_generator ("resgan"): trunk, then image and mask heads."""

    def __init__(self, size, width_divisor, residual):
        super().__init__()
        top = 512 // width_divisor  # the dense layer's 4 x 4 x 512
        trunk_out = 64 // width_divisor
        head_1 = 64 // width_divisor
        head_2 = 32 // width_divisor
        upsampling = trunk_stages(size)
        stages = []
        for i in range(3):  # the first 3 - upsampling stages keep the 4 x 4 size
            stage = upsample_stage if i >= 3 - upsampling else same_size_stage
            stages.append(stage(top >> i, top >> (i + 1)))
        assert top >> 3 == trunk_out
        self.trunk = nn.Sequential(
            nn.Linear(LATENT, 4 * 4 * top), nn.Unflatten(1, (top, 4, 4)), nn.BatchNorm2d(top), nn.ReLU(), *stages
        )

        def head(out_channels, activation):
            layers = [upsample_stage(trunk_out, head_1)]
            if residual:
                layers.append(residual_stack(head_1))
            layers.append(upsample_stage(head_1, head_2))
            if residual:
                layers.append(residual_stack(head_2))
            layers += [nn.ConvTranspose2d(head_2, out_channels, 4, 2, 1), activation]  # output: no batch norm
            return nn.Sequential(*layers)

        self.heads = nn.ModuleList([head(3, nn.Tanh()), head(1, nn.Sigmoid())])

    def forward(self, z):  # z: [N, 100]
        f = self.trunk(z)
        return self.heads[0](f), self.heads[1](f)


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


class Discriminator(nn.Sequential):
    """paper_discriminator: 7 conv5x5 pad 2 (+BN except the first) + LeakyReLU 0.2,
    global average pool, dense -> 1 logit (the sigmoid lives in the BCE)."""

    def __init__(self, size, width_divisor):
        widths = [w // width_divisor for w in (64, 128, 128, 256, 256, 512, 512)]
        layers = []
        cin = 4  # image (3) and mask (1)
        for i, cout in enumerate(widths):
            conv = nn.Conv2d(cin, cout, 5, discriminator_stride(i, size), 2)
            norm = [nn.BatchNorm2d(cout)] if i > 0 else []
            layers.append(nn.Sequential(conv, *norm, nn.LeakyReLU(LEAKY_SLOPE)))
            cin = cout
        super().__init__(*layers, GlobalAvgPool(), nn.Linear(cin, 1))


def xavier_init(model):
    """init/xavier.hpp: Xavier uniform (gain 1) on conv/dense weights, zero biases; batch norm stays 1 and 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def ising_energy(f):
    """Eq. (2) with ising = |f_p - f_q| over 4-adjacency, each unordered pair once, no padding: the sum."""
    right = (f[:, :, :, 1:] - f[:, :, :, :-1]).abs().sum()
    down = (f[:, :, 1:, :] - f[:, :, :-1, :]).abs().sum()
    return right + down


def smoothness(mask, lam):
    """mrf_loss<ising>{lambda, reduction::mean}: lambda * E / (N * H * W) (channels not counted)."""
    n, _, h, w = mask.shape
    return ising_energy(mask) * (lam / float(n * h * w))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# --- the step ----------------------------------------------------------------


class GanStep:
    def __init__(self, model, size, batch, width_divisor, device, adam_kwargs):
        self.g = Generator(size, width_divisor, residual=(model == "resgan")).to(device)
        self.d = Discriminator(size, width_divisor).to(device)
        xavier_init(self.g)
        xavier_init(self.d)
        self.g.train()
        self.d.train()
        opts = dict(lr=2e-4, betas=(0.9, 0.999), eps=1e-8, **adam_kwargs)
        self.g_adam = torch.optim.Adam(self.g.parameters(), **opts)
        self.d_adam = torch.optim.Adam(self.d.parameters(), **opts)
        self.batch = batch
        self.device = device
        # The real batch: images in [-1, 1], binary masks, stacked as 4 channels; made once, not timed.
        image = torch.rand(batch, 3, size, size, device=device) * 2 - 1
        mask = (torch.rand(batch, 1, size, size, device=device) > 0.5).float()
        self.real = torch.cat([image, mask], 1)
        self.ones = torch.ones(batch, 1, device=device)
        self.zeros = torch.zeros(batch, 1, device=device)

    def step(self, read_stats=False, freeze_d=False):
        z = torch.rand(self.batch, LATENT, device=self.device) * 2 - 1  # U[-1, 1]
        image, mask = self.g(z)
        fake = torch.cat([image, mask], 1)

        # Discriminator: real -> 1, fake -> 0, two backward passes accumulating
        # into D's gradients as ours does. fake is detached: D's loss does not
        # reach G (our trainer runs G's backward only in the G step).
        self.d_adam.zero_grad(set_to_none=True)
        loss_real = F.binary_cross_entropy_with_logits(self.d(self.real), self.ones)
        loss_real.backward()
        loss_fake = F.binary_cross_entropy_with_logits(self.d(fake.detach()), self.zeros)
        loss_fake.backward()
        d_loss = loss_real.detach() + loss_fake.detach()
        if read_stats:  # ours checks the loss is finite before Adam moves: a host read
            d_loss = float(d_loss)
        self.d_adam.step()

        # Generator: the non-saturating loss through the updated D, plus lambda * L_smooth
        # on the mask. The backward also fills D's parameter gradients, as ours does
        # (they are cleared at the next D step).
        # With freeze_d (isinggan's behaviour), D's parameters are taken out of
        # autograd for this pass, the usual PyTorch idiom, so only the gradient
        # with respect to D's input is computed.
        if freeze_d:
            for p in self.d.parameters():
                p.requires_grad_(False)
        g_adv = F.binary_cross_entropy_with_logits(self.d(fake), self.ones)
        smooth = smoothness(mask, LAMBDA)
        with torch.no_grad():  # the step's stats: the Ising energy per pixel (lambda 1, mean)
            mask_energy = smoothness(mask, 1.0)
        g_loss = g_adv + smooth
        if read_stats:  # the same check on the generator's loss, before its backward
            _ = (float(g_loss), float(mask_energy))
        self.g_adam.zero_grad(set_to_none=True)
        g_loss.backward()
        if freeze_d:
            for p in self.d.parameters():
                p.requires_grad_(True)
        self.g_adam.step()
        return d_loss


# --- driver ------------------------------------------------------------------


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _has_attribute(obj, name):
    """hasattr that also survives the AssertionError older torch.backends modules raise."""
    try:
        getattr(obj, name)
        return True
    except (AttributeError, AssertionError):
        return False


def configure_backends(tf32):
    """TF32 off by default (true fp32 numerics, like ours); cuDNN algorithm search on.

    PyTorch >= 2.9 has per-backend fp32_precision flags and raises when they and
    the legacy allow_tf32 flags are mixed, so the new flags are used where they
    exist and the legacy ones (cudnn.allow_tf32, cuda.matmul.allow_tf32) otherwise.
    """
    torch.backends.cudnn.benchmark = True
    if _has_attribute(torch.backends.cuda.matmul, "fp32_precision") and _has_attribute(torch.backends.cudnn, "conv"):
        precision = "tf32" if tf32 else "ieee"
        torch.backends.cuda.matmul.fp32_precision = precision
        torch.backends.cudnn.conv.fp32_precision = precision
        torch.backends.cudnn.rnn.fp32_precision = precision
        flags = {
            "api": "fp32_precision",
            "cuda.matmul.fp32_precision": torch.backends.cuda.matmul.fp32_precision,
            "cudnn.conv.fp32_precision": torch.backends.cudnn.conv.fp32_precision,
        }
    else:
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        flags = {
            "api": "allow_tf32",
            "cudnn.allow_tf32": bool(torch.backends.cudnn.allow_tf32),
            "cuda.matmul.allow_tf32": bool(torch.backends.cuda.matmul.allow_tf32),
        }
    flags["cudnn.benchmark"] = bool(torch.backends.cudnn.benchmark)
    return flags


def adam_kwargs(impl):
    if impl == "default":  # PyTorch's own choice (foreach on CUDA)
        return {}
    if impl == "foreach":
        return {"foreach": True}
    if impl == "for-loop":
        return {"foreach": False}
    return {"fused": True}


def check_shapes(args, models, device):
    for model in models:
        s = GanStep(model, args.size, 2, args.width_divisor, device, {})
        with torch.no_grad():
            z = torch.rand(2, LATENT, device=device) * 2 - 1
            image, mask = s.g(z)
            logits = s.d(torch.cat([image, mask], 1))
        print(
            f"torch {model} {args.size}px w{args.width_divisor}: "
            f"G {parameter_count(s.g)} parameters, D {parameter_count(s.d)} parameters; "
            f"image {tuple(image.shape)}, mask {tuple(mask.shape)}, D logits {tuple(logits.shape)} (batch 2)"
        )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=256, choices=SIZES)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width-divisor", type=int, default=1, choices=WIDTH_DIVISORS)
    p.add_argument("--models", default="gan,resgan", help="comma-separated: gan, resgan")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (cuDNN algorithm search, allocator)")
    p.add_argument("--steps", type=int, default=10, help="timed steps")
    p.add_argument("--device", default="cuda")
    p.add_argument("--tf32", choices=("on", "off"), default="off")
    p.add_argument(
        "--adam",
        choices=("default", "foreach", "for-loop", "fused"),
        default="default",
        help="torch.optim.Adam implementation (default: PyTorch's choice)",
    )
    p.add_argument(
        "--read-stats",
        action="store_true",
        help="read the losses back to the host inside the step, as our trainer's finiteness checks do",
    )
    p.add_argument(
        "--freeze-d",
        action="store_true",
        help="take D's parameters out of autograd in the generator step (only D's input gradient is computed, "
        "as in isinggan's trainer)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--check-shapes", action="store_true", help="print parameter counts and output shapes, then exit")
    args = p.parse_args()

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in ("gan", "resgan"):
            p.error(f"unknown model {m!r} (gan, resgan)")
    if args.batch < 2:
        p.error("--batch must be at least 2 (batch norm)")
    if args.steps < 1 or args.warmup < 0:
        p.error("--steps must be >= 1 and --warmup >= 0")

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_gan_step.py: --device cuda but CUDA is not available")
    torch.manual_seed(args.seed)
    flags = configure_backends(args.tf32 == "on")

    if args.check_shapes:
        check_shapes(args, models, device)
        return

    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    print(f"torch {torch.__version__}, device {device} ({device_name})")
    tf32_flags = ", ".join(f"{k}={v}" for k, v in flags.items() if k not in ("api", "cudnn.benchmark"))
    print(
        f"tf32 {args.tf32} ({tf32_flags}); "
        f"cudnn.benchmark=True (algorithm search per shape, during warm-up); "
        f"adam {args.adam}; read-stats {'on' if args.read_stats else 'off'}; "
        f"D frozen in the G step {'yes' if args.freeze_d else 'no'}"
    )
    if args.warmup == 0 and device.type == "cuda":
        print("warning: --warmup 0 times the cuDNN algorithm search in the first step")

    results = []
    for model in models:
        s = GanStep(model, args.size, args.batch, args.width_divisor, device, adam_kwargs(args.adam))
        for _ in range(args.warmup):
            s.step(args.read_stats, args.freeze_d)
        sync(device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        times = []
        for _ in range(args.steps):
            sync(device)
            t0 = time.perf_counter()
            s.step(args.read_stats, args.freeze_d)
            sync(device)
            times.append((time.perf_counter() - t0) * 1e3)
        median, best = statistics.median(times), min(times)
        peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
        print(
            f"torch {model} {args.size}px b{args.batch} w{args.width_divisor}: "
            f"median {median:.1f} ms, min {best:.1f} ms ({args.steps} steps)"
        )
        results.append(
            {
                "model": model,
                "median_ms": median,
                "min_ms": best,
                "steps": args.steps,
                "times_ms": times,
                "generator_parameters": parameter_count(s.g),
                "discriminator_parameters": parameter_count(s.d),
                "peak_memory_bytes": peak,
            }
        )
        del s
        if device.type == "cuda":
            torch.cuda.empty_cache()

    if args.json:
        out = {
            "framework": "torch",
            "torch_version": torch.__version__,
            "cuda_version": torch.version.cuda,
            "cudnn_version": torch.backends.cudnn.version() if device.type == "cuda" else None,
            "device": str(device),
            "device_name": device_name,
            "size": args.size,
            "batch": args.batch,
            "width_divisor": args.width_divisor,
            "warmup": args.warmup,
            "tf32": args.tf32,
            "backend_flags": flags,
            "adam": args.adam,
            "read_stats": args.read_stats,
            "freeze_d": args.freeze_d,
            "results": results,
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
