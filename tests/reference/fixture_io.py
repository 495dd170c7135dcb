"""Writes golden fixture files in the format tests/support/fixture.hpp reads.

Format (little-endian): b"IGFX", uint32 count, then per tensor: uint16 name
length, name, uint8 rank, rank x uint32 dims, float32 values.
"""
import struct


def write_fixture(path, tensors):
    """tensors: dict name -> torch tensor (any float dtype; stored as float32)."""
    with open(path, "wb") as f:
        f.write(b"IGFX")
        f.write(struct.pack("<I", len(tensors)))
        for name, t in tensors.items():
            t = t.detach().to("cpu").float().contiguous()
            encoded = name.encode()
            f.write(struct.pack("<H", len(encoded)))
            f.write(encoded)
            f.write(struct.pack("<B", t.dim()))
            f.write(struct.pack("<%dI" % t.dim(), *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())
