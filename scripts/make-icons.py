#!/usr/bin/env python3
"""Draws the app icon (a paper plane over a wave on a rounded tile) into icons/ in every size and
format the bundlers want: PNGs (Linux .deb/.rpm/AppImage and the window), icon.ico (Windows MSI/NSIS
and the .exe) and icon.icns (macOS .app/.dmg). This script is the one source of every icon: re-run it
after changing the drawing. Pure Python (zlib + struct), so it runs anywhere the repo builds.

    scripts/make-icons.py           write icons/
    scripts/make-icons.py --check   exit 1 when a file in icons/ differs from what this draws (make test)
"""
import math
import os
import struct
import sys
import zlib

ICONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "icons")


def inside_tri(px, py, a, b, c):
    def sign(p1, p2, p3):
        return (p1[0] - p3[0]) * (p2[1] - p3[1]) - (p2[0] - p3[0]) * (p1[1] - p3[1])
    d1, d2, d3 = sign((px, py), a, b), sign((px, py), b, c), sign((px, py), c, a)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)


def pixel(x, y):
    """Colour at (x, y) in a unit square, as RGBA."""
    r = 0.2
    dx = max(abs(x - 0.5) - (0.5 - r) + 0.02, 0)
    dy = max(abs(y - 0.5) - (0.5 - r) + 0.02, 0)
    if math.hypot(dx, dy) > r:
        return (0, 0, 0, 0)
    t = y
    base = (int(37 + 20 * t), int(99 - 30 * t), int(235 - 40 * t), 255)
    wave = 0.72 + 0.05 * math.sin(x * 2 * math.pi * 1.5)
    if y > wave:
        return (255, 255, 255, 90)
    if inside_tri(x, y, (0.2, 0.48), (0.8, 0.24), (0.42, 0.56)) or inside_tri(x, y, (0.42, 0.56), (0.8, 0.24), (0.52, 0.72)):
        return (255, 255, 255, 255)
    return base


def png(size):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            # 2x2 supersampling for smooth edges
            acc = [0, 0, 0, 0]
            for sx, sy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
                p = pixel((i + sx) / size, (j + sy) / size)
                for k in range(4):
                    acc[k] += p[k]
            row.extend(v // 4 for v in acc)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


PNGS = (("32x32.png", 32), ("64x64.png", 64), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512))
# Windows: PNG-compressed entries (Vista and later read them), small to large.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# macOS: PNG-compressed icon types by size.
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512))


def ico(images):
    """An .ico of PNG entries; `images` maps size -> PNG bytes."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, blob in sorted(images.items()):
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset + len(data))
        data += blob
    return header + entries + data


def icns(images):
    """An .icns of PNG entries; `images` maps size -> PNG bytes."""
    body = b"".join(kind + struct.pack(">I", 8 + len(images[size])) + images[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render():
    """Every icon file: name -> bytes."""
    cache = {}

    def at(size):
        if size not in cache:
            cache[size] = png(size)
        return cache[size]

    files = {name: at(size) for name, size in PNGS}
    files["icon.ico"] = ico({size: at(size) for size in ICO_SIZES})
    files["icon.icns"] = icns({size: at(size) for _, size in ICNS_TYPES})
    return files


def main():
    files = render()
    if sys.argv[1:] == ["--check"]:
        stale = []
        for name, data in sorted(files.items()):
            try:
                with open(os.path.join(ICONS, name), "rb") as f:
                    if f.read() != data:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        if stale:
            print("icons/ differs from scripts/make-icons.py:", ", ".join(stale), "- run scripts/make-icons.py and commit icons/")
            sys.exit(1)
        print("icons/: every file is what scripts/make-icons.py draws (%d files)" % len(files))
        return
    for name, data in sorted(files.items()):
        with open(os.path.join(ICONS, name), "wb") as f:
            f.write(data)
        print("wrote", name)


if __name__ == "__main__":
    main()
