#!/usr/bin/env python3
"""Converts pytorch-fid's Inception weights to the safetensors file isinggan reads.

    python3 tools/convert_pytorch_fid_weights.py pt_inception-2015-12-05-6726825d.pth OUT.safetensors

Get the .pth from pytorch-fid's release page:
https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth

The file is a PyTorch state_dict; every floating-point tensor is written as
float32 under its state_dict name (Conv2d_1a_3x3.conv.weight,
Mixed_5b.branch1x1.bn.running_mean, ...). The integer num_batches_tracked
counters are dropped. Needs only torch (the safetensors package is not used:
the format is an 8-byte header length, a JSON header and the raw data).
"""
import json
import struct
import sys

import torch

# Entries isinggan's fid_inception_v3 reads for one BasicConv2d.
UNIT_SUFFIXES = ("conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var")


def convert(src, dst):
    state = torch.load(src, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict) or "Conv2d_1a_3x3.conv.weight" not in state:
        sys.exit("%s: not pytorch-fid's Inception state_dict (no Conv2d_1a_3x3.conv.weight)" % src)
    header, chunks, offset = {}, [], 0
    for name in sorted(state):
        t = state[name]
        if not torch.is_tensor(t) or not t.is_floating_point():
            continue
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"source": src.split("/")[-1], "format": "pytorch-fid Inception-v3 state_dict"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    units = {n[: -len(".conv.weight")] for n in header if n.endswith(".conv.weight")}
    print("%s: %d tensors (%d convolution units), %.1f MB" % (dst, len(chunks), len(units), offset / 1e6))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(sys.argv[1], sys.argv[2])
