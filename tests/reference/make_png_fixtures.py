"""Writes the small PNG fixtures the PNG reader tests decode.

They cover colour types the library's own writer does not produce (palette,
palette with transparency, 16-bit grey), with pixel values
given here so the tests can check them. Run with Debian's python3 (Pillow):
    /usr/bin/python3 tests/reference/make_png_fixtures.py
"""
import os
from PIL import Image

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "io")

# 4x3 palette image, 4 palette entries; the index of pixel (x, y) is (x + y) % 4.
palette = [10, 20, 30, 200, 0, 0, 0, 200, 0, 255, 255, 255]
img = Image.new("P", (4, 3))
img.putpalette(palette)
img.putdata([(x + y) % 4 for y in range(3) for x in range(4)])
img.save(os.path.join(here, "palette.png"), bits=2)
# The same with palette entry 1 fully transparent (a tRNS chunk).
img.save(os.path.join(here, "palette_trns.png"), transparency=1)

# 5x2 16-bit grey; value of pixel (x, y) is 1000 * (x + 5 * y) + 7.
g16 = Image.new("I;16", (5, 2))
g16.putdata([1000 * (x + 5 * y) + 7 for y in range(2) for x in range(5)])
g16.save(os.path.join(here, "grey16.png"))
