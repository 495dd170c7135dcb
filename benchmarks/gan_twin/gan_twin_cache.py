"""Reads the dataset cache the library writes (data/cache.hpp), for the PyTorch twins."""
import struct

import numpy as np


def load_cache(path):
    """The pairs of a dataset cache (data/cache.hpp): images [N,3,S,S] in [-1, 1], masks [N,1,S,S] in {0, 1}, ids."""
    f = open(path, 'rb'); b = f.read(); f.close()
    assert b[:8] == b'IGDSCACH'
    o = 8
    ver, key, n, s, skipped, nw = struct.unpack_from('<IQQQQQ', b, o); o += 4 + 8*5
    for _ in range(nw):
        (l,) = struct.unpack_from('<I', b, o); o += 4 + l
    ids = []
    for _ in range(n):
        (l,) = struct.unpack_from('<I', b, o); o += 4; ids.append(b[o:o+l].decode()); o += l
    imgs = np.frombuffer(b, dtype='<f4', count=n*3*s*s, offset=o).reshape(n, 3, s, s).copy(); o += n*3*s*s*4
    masks = np.frombuffer(b, dtype=np.uint8, count=n*s*s, offset=o).reshape(n, 1, s, s).astype(np.float32)
    return imgs, masks, ids
