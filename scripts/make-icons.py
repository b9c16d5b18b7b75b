#!/usr/bin/env python3
"""Draws the app icon (a paper plane over a wave on a rounded tile) into icons/ at the sizes Tauri
needs. Pure Python (zlib + struct), so it runs anywhere the repo builds. Re-run after changing it."""
import math
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "icons")


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


for name, size in (("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png(size))
    print("wrote", name)
