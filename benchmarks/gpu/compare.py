#!/usr/bin/env python3
"""Runs the GPU training-step benchmark of isinggan and of PyTorch eager on the
same GPU, one after the other in one run, and prints isinggan time / PyTorch
time per model (below 1: isinggan is faster).

    python3 benchmarks/gpu/compare.py --bench build/benchmarks/isinggan_bench_gpu \
        [--size 256 --batch 64 --width-divisor 1 --models gan,resgan --steps 10 --tf32 off,on]

Each --tf32 setting is a pair of runs at the same precision: "off" compares
isinggan's default fp32 (cuda_math::fp32) with PyTorch in true fp32; "on"
compares isinggan's cuda_math::tf32 with PyTorch's default for cuDNN
convolutions (TF32 tensor cores).

PyTorch runs twice per precision: as the step is usually written, and with
D's parameters frozen in the generator step (only D's input gradient is
needed there; isinggan's trainer skips the rest).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def run(cmd):
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, text=True, capture_output=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        sys.exit(f"compare.py: {cmd[0]} failed with exit status {done.returncode}")


def medians(path):
    with open(path) as f:
        data = json.load(f)
    return data, {r["model"]: r for r in data["results"]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", required=True, help="the isinggan_bench_gpu binary")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width-divisor", type=int, default=1)
    p.add_argument("--models", default="gan,resgan")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--tf32", default="off,on", help="PyTorch settings to run: off, on or off,on")
    p.add_argument("--python", default=sys.executable, help="the Python that has torch")
    p.add_argument("--json", help="write every result and ratio to this file")
    a = p.parse_args()

    common = ["--size", str(a.size), "--batch", str(a.batch), "--width-divisor", str(a.width_divisor),
              "--models", a.models, "--warmup", str(a.warmup), "--steps", str(a.steps)]
    pairs = []  # (precision, isinggan results, PyTorch results)
    device_name = "?"
    with tempfile.TemporaryDirectory() as tmp:
        for tf32 in a.tf32.split(","):
            if tf32 not in ("off", "on"):
                sys.exit(f"compare.py: --tf32 takes off, on or off,on; got {tf32}")
            math = "tf32" if tf32 == "on" else "fp32"
            ours_path = os.path.join(tmp, f"isinggan_{math}.json")
            run([a.bench, *common, "--math", math, "--json", ours_path])
            ours_meta, ours = medians(ours_path)
            device_name = ours_meta["device_name"]
            theirs = []
            for freeze in (False, True):
                torch_path = os.path.join(tmp, f"torch_{tf32}_{int(freeze)}.json")
                run([a.python, os.path.join(here, "torch_gan_step.py"), *common, "--device", "cuda", "--tf32", tf32,
                     *(["--freeze-d"] if freeze else []), "--json", torch_path])
                theirs.append(medians(torch_path))
            pairs.append((math, ours_meta, ours, theirs))

    print()
    print(f"GAN training step with the Ising term, {a.size}x{a.size}, batch {a.batch}, width 1/{a.width_divisor}, "
          f"median of {a.steps} steps, on {device_name}; ratio = isinggan / PyTorch eager. PyTorch as written "
          f"computes D's parameter gradients in the generator step too; with D frozen there it does not, "
          f"like isinggan.")
    print("| model | precision | isinggan ms | PyTorch ms | ratio | PyTorch, D frozen, ms | ratio |")
    print("|---|---|---|---|---|---|---|")
    table = []
    for math, _, ours, theirs in pairs:
        for model, r in ours.items():
            plain = theirs[0][1][model]["median_ms"]
            frozen = theirs[1][1][model]["median_ms"]
            ours_ms = r["median_ms"]
            print(f"| {model} | {math} | {ours_ms:.2f} | {plain:.2f} | {ours_ms / plain:.3f} | {frozen:.2f} | "
                  f"{ours_ms / frozen:.3f} |")
            table.append({"model": model, "precision": math, "isinggan_ms": ours_ms, "torch_ms": plain,
                          "ratio": ours_ms / plain, "torch_d_frozen_ms": frozen, "ratio_d_frozen": ours_ms / frozen})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"pairs": [{"precision": m, "isinggan": om, "torch": t[0][0], "torch_d_frozen": t[1][0]}
                                 for m, om, _, t in pairs],
                       "table": table}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
