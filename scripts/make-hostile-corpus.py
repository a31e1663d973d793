#!/usr/bin/env python3
"""Builds Tests/Fixtures/hostile/: small broken, odd and hostile scans for HostileInputTests, and
manifest.json saying what the daemon must do with each one.

Run once with the reference venv (Pillow): $REFENV/bin/python scripts/make-hostile-corpus.py
The output is deterministic (fixed seeds, no timestamps) and committed (well under 2 MB). Things that
cannot be committed (FIFOs, sockets, device nodes, symlinks, mode-000 files, odd names) are made by
the tests at run time.

expect:
  text     a result: sidecar JSON with `text`, no `error`; catalog state done
  error    sidecar JSON with `error` (containing every string of `error_contains`), no `text`, no .txt;
           catalog state failed
  either   one of the two (a bit flip in entropy-coded data may still decode), but never anything else
  ignored  not an image and not named like one: no sidecar, not in the catalog
"""
import io
import json
import os
import random
import struct
import zlib

from PIL import Image, ImageDraw

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "hostile"))
CASES = []


def add(name, data, expect, why, error_contains=()):
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)
    CASES.append({"file": name, "expect": expect, "why": why, "error_contains": list(error_contains)})


def note(width=64, height=48, mode="RGB", seed=0):
    """A small 'handwritten' page: pale paper, a few dark strokes."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (245, 242, 230))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = rng.randrange(width), rng.randrange(height)
        draw.line((x0, y0, x1, y1), fill=(20, 20, 60), width=2)
    return img.convert(mode) if mode != "RGB" else img


def encode(img, fmt, **kw):
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png_with_ihdr(width, height, bit_depth=8, colour=2, idat=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_with_size(data, width, height):
    """Rewrites the SOF0/SOF2 frame size of a JPEG."""
    out = bytearray(data)
    i = 2
    while i < len(out) - 9:
        if out[i] == 0xFF and out[i + 1] in (0xC0, 0xC1, 0xC2):
            struct.pack_into(">HH", out, i + 5, height, width)
            return bytes(out)
        i += 2 + struct.unpack(">H", out[i + 2:i + 4])[0] if out[i] == 0xFF and out[i + 1] not in (0xD8, 0x01) else 1
    raise ValueError("no SOF marker")


def flip(data, offset, mask=0xFF):
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def sos_offset(data):
    return data.index(b"\xff\xda")


def main():
    os.makedirs(ROOT, exist_ok=True)
    for old in os.listdir(ROOT):
        os.remove(os.path.join(ROOT, old))

    jpg = encode(note(seed=1), "JPEG", quality=90)
    png = encode(note(seed=2), "PNG")
    gif = encode(note(seed=3).convert("P", palette=Image.ADAPTIVE, colors=16), "GIF")

    # Empty and truncated files.
    add("zero-bytes.jpg", b"", "error", "0 bytes named .jpg: nothing to decode", ["empty"])
    add("zero-bytes.png", b"", "error", "0 bytes named .png", ["empty"])
    add("truncated.jpg", jpg[: len(jpg) // 2], "error", "JPEG cut in the middle of the scan data", ["jpeg"])
    add("truncated.png", png[: len(png) // 2], "error", "PNG cut inside IDAT", ["png"])
    add("truncated.gif", gif[: len(gif) // 2], "error", "GIF cut inside the LZW data", ["gif"])
    add("soi-eoi.jpg", b"\xff\xd8\xff\xd9", "error", "JPEG start and end markers, nothing between", ["jpeg"])
    add("no-frame.gif", gif[:13] + b"\x3b", "error", "GIF header and trailer, no image", ["gif"])
    add("header-only.png", png[:33], "error", "PNG signature and IHDR only", ["png"])

    # Bit flips.
    add("bitflip-sof.jpg", flip(jpg, jpg.index(b"\xff\xc0") + 4), "error", "JPEG frame header byte flipped", ["jpeg"])
    add("bitflip-data.jpg", flip(jpg, sos_offset(jpg) + 40, 0x5A), "either",
        "JPEG entropy-coded byte flipped (may still decode: libjpeg resyncs)")
    add("bitflip-idat.png", flip(png, png.index(b"IDAT") + 20, 0x10), "error", "PNG IDAT byte flipped (CRC mismatch)", ["png"])
    add("bitflip-ihdr.png", flip(png, 20, 0x01), "error", "PNG IHDR height byte flipped: 16 million rows", ["png"])
    add("bitflip-lzw.gif", flip(gif, len(gif) - 30, 0xFF), "either", "GIF LZW byte flipped (no checksum in GIF)")
    lzw_min = gif.index(b"\x2c") + 10  # image descriptor is 10 bytes, then the LZW minimum code size
    add("bad-code-size.gif", flip(gif, lzw_min, 0x0C), "error", "GIF LZW minimum code size out of range", ["gif"])

    # Headers that claim enormous sizes: refused before any pixel is decoded.
    add("huge-header.png", png_with_ihdr(65535, 65535, idat=zlib.compress(b"\x00" * 64)), "error",
        "PNG IHDR claims 65535x65535", ["65535x65535", "refused before decoding"])
    add("huge-header.jpg", jpeg_with_size(jpg, 65535, 65535), "error", "JPEG SOF claims 65535x65535",
        ["65535x65535", "refused before decoding"])
    huge_gif = bytearray(gif)
    struct.pack_into("<HH", huge_gif, 6, 65535, 65535)
    struct.pack_into("<HH", huge_gif, gif.index(b"\x2c") + 5, 65535, 65535)
    add("huge-header.gif", bytes(huge_gif), "error", "GIF screen and frame claim 65535x65535",
        ["65535x65535", "refused before decoding"])
    side, row = 12000, 12000 // 8 + 1
    bomb = zlib.compress(b"\x00" * (row * side), 9)
    add("bomb-144mp.png", png_with_ihdr(side, side, bit_depth=1, colour=0, idat=bomb), "error",
        "a real zlib bomb: 12000x12000 1-bit PNG, a few KB on disk, 432 MB as RGB", ["12000x12000", "refused before decoding"])
    add("zero-width.png", png_with_ihdr(0, 10), "error", "PNG IHDR with width 0", ["png"])

    # Odd but valid images: read.
    add("one-pixel.png", encode(Image.new("RGB", (1, 1), (10, 20, 30)), "PNG"), "text", "1x1 PNG")
    add("one-pixel.jpg", encode(Image.new("RGB", (1, 1), (200, 20, 30)), "JPEG"), "text", "1x1 JPEG")
    add("one-pixel.gif", encode(Image.new("P", (1, 1), 0), "GIF"), "text", "1x1 GIF")
    add("rgb16.png", _png16(note(seed=4)), "text", "16-bit RGB PNG")
    add("grey16.png", encode(note(seed=5).convert("I;16"), "PNG"), "text", "16-bit greyscale PNG")
    add("cmyk.jpg", encode(note(seed=6).convert("CMYK"), "JPEG", quality=90), "text", "CMYK JPEG (Adobe inverted)")
    add("progressive.jpg", encode(note(seed=7), "JPEG", quality=85, progressive=True), "text", "progressive JPEG")
    frames = [note(seed=20 + k).convert("P", palette=Image.ADAPTIVE, colors=8) for k in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    add("animated.gif", out.getvalue(), "text", "animated GIF: the first frame is read")
    add("interlaced.png", _interlaced_png(note(seed=8)), "text", "Adam7-interlaced PNG")
    add("palette-trns.png", encode(note(seed=9).convert("P", palette=Image.ADAPTIVE, colors=4), "PNG", transparency=0),
        "text", "palette PNG with tRNS")
    add("trailing-garbage.png", encode(note(seed=10), "PNG") + b"GARBAGE" * 50, "text", "bytes after IEND are ignored")
    add("jpeg-bytes.png", encode(note(seed=11), "JPEG"), "text", "JPEG bytes under a .png name: format from the bytes")
    add("UPPER-CASE.JPG", encode(note(seed=12), "JPEG"), "text", "upper-case extension")
    add("gif-bytes.jpeg", encode(note(seed=13).convert("P", palette=Image.ADAPTIVE, colors=8), "GIF"), "text",
        "GIF bytes under a .jpeg name")
    add("odd-420.jpg", encode(note(37, 23, seed=14), "JPEG", subsampling=2), "text", "4:2:0 JPEG with odd sides")
    add("tall-thin.png", encode(note(6, 1400, seed=15), "PNG"), "either",
        "aspect ratio 233:1 (Qwen2-VL refuses more than 200:1 in the reference; a clear error is fine)")

    # Not images.
    add("text-named.jpg", b"Dear diary, this is not a JPEG at all.\n" * 3, "error", "a text file named .jpg",
        ["not a JPEG, PNG, GIF"])
    add("html.gif", b"GIF89a<html><body>not really</body></html>", "error", "GIF magic followed by HTML", ["gif"])
    add("notes.md", b"# shopping\nmilk, eggs\n", "ignored", "a text file with no image name: ignored quietly")
    add("archive.zip", b"PK\x03\x04" + bytes(60), "ignored", "a ZIP: ignored quietly")

    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"generated_by": "scripts/make-hostile-corpus.py", "cases": CASES}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(ROOT, c["file"])) for c in CASES)
    print(f"{len(CASES)} cases, {total} bytes in {ROOT}")


def _png16(img):
    """16-bit RGB PNG written by hand (Pillow cannot save RGB;16)."""
    width, height = img.size
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            for c in img.getpixel((x, y)):
                raw += struct.pack(">H", c * 257)
    return png_with_ihdr(width, height, bit_depth=16, colour=2, idat=zlib.compress(bytes(raw)))


def _interlaced_png(img):
    """Adam7-interlaced 8-bit RGB PNG written by hand (Pillow does not write interlaced PNGs)."""
    width, height = img.size
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        xs = range(x0, width, dx)
        if not xs:
            continue
        for y in range(y0, height, dy):
            raw.append(0)
            for x in xs:
                raw += bytes(img.getpixel((x, y)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(bytes(raw)))
            + png_chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
