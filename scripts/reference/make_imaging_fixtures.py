#!/usr/bin/env python3
"""Build the Imaging-layer fixtures in Tests/Fixtures/imaging/ (NOT run by CI).

The reference is Pillow 13.0.0 + transformers 4.57.6 as installed in the reference venv (no torchvision,
so transformers uses the slow PIL Qwen2VLImageProcessor). Everything is deterministic (fixed seeds).

What it makes
-------------
  Tests/Fixtures/imaging/
    manifest.json          everything the Swift tests need to know (see below)
    decode/<name>.<ext>    small scans in every format/variant the decoder must handle, plus damaged
                           ones; <name>.<ext>.rgb = the raw RGB8 (row-major, 3 bytes a pixel) that
                           transformers.image_utils.load_image gives (ImageOps.exif_transpose, then
                           convert("RGB")).
    resize/<name>.rgb      a few RGB8 sources; manifest "resize" lists (width, height) targets with the
                           SHA-256 of PIL's resize((w, h), BICUBIC, reducing_gap=None) output.
    preprocess/<name>.png  small images run through Qwen2VLImageProcessor (slow, PIL path) with the
                           Qwen2-VL-2B preprocessor_config values; <name>.f32 = pixel_values
                           [N, 1176] little-endian float32.

manifest.json keys
------------------
  decode:      [{file, format, expect: "pixels"|"damaged"|"tooManyPixels"|"unsupportedFormat"|"emptyFile",
                 width, height, rgb, orientation, tolerance}]   (width/height are load_image's output size,
                 orientation the EXIF value PIL applied; tolerance is the largest per-byte difference the
                 test accepts — 0 everywhere except the documented 16-bit-with-alpha PNG gap)
  resize:      [{source, width, height, targets: [[w, h, sha256], ...]}]
  smartResize: [{height, width, factor, minPixels, maxPixels, result: [h, w] | "error"}]
  preprocess:  [{file, values, gridT, gridH, gridW, rows, cols, mean, std, minPixels, maxPixels,
                 patchSize, temporalPatchSize, mergeSize}]

How to run
----------
    $REFENV/bin/python scripts/reference/make_imaging_fixtures.py [--out Tests/Fixtures/imaging]
"""
import argparse
import hashlib
import io
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps
from transformers.image_utils import load_image
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor, smart_resize

RNG = np.random.default_rng(20261125)


# --------------------------------------------------------------------------- test pictures

def scan_like(width, height, seed=0):
    """Paper-ish gradient, coloured noise and dark strokes: exercises every DCT/filter path."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([200 + 40 * x / max(1, width - 1), 190 + 50 * y / max(1, height - 1),
                     170 + 30 * (x + y) / max(1, width + height - 2)], axis=-1)
    base += rng.normal(0, 18, size=base.shape)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for i in range(6):
        pts = [(int(rng.integers(0, width)), int(rng.integers(0, height))) for _ in range(4)]
        draw.line(pts, fill=tuple(int(v) for v in rng.integers(0, 90, 3)), width=int(rng.integers(1, 4)))
    draw.text((2, height // 3), "Ab 12", fill=(20, 30, 120))
    return img


def rgb_bytes(path):
    return np.asarray(load_image(str(path))).tobytes()


# --------------------------------------------------------------------------- raw PNG / GIF / EXIF writers

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width, height, color_type, depth, samples, extra=b"", filters=True):
    """A PNG from raw samples (big-endian for 16-bit), cycling filter types 0-4 so every unfilter runs."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    if depth < 8:
        rows = samples.reshape(height, width)
        packed = []
        per = 8 // depth
        for r in rows:
            padded = np.concatenate([r, np.zeros((-len(r)) % per, dtype=r.dtype)])
            g = padded.reshape(-1, per).astype(np.uint16)
            b = np.zeros(len(g), dtype=np.uint16)
            for k in range(per):
                b |= g[:, k] << (8 - depth * (k + 1))
            packed.append(b.astype(np.uint8))
        rowbytes = [p.tobytes() for p in packed]
        bpp = 1
    else:
        dtype = ">u2" if depth == 16 else np.uint8
        arr = np.ascontiguousarray(samples.astype(dtype)).view(np.uint8).reshape(height, -1)
        rowbytes = [r.tobytes() for r in arr]
        bpp = channels * depth // 8
    out = bytearray()
    prev = bytes(len(rowbytes[0]))
    for i, row in enumerate(rowbytes):
        ftype = i % 5 if filters else 0
        cur = np.frombuffer(row, np.uint8).astype(np.int32)
        up = np.frombuffer(prev, np.uint8).astype(np.int32)
        left = np.concatenate([np.zeros(bpp, np.int32), cur[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), up[:-bpp]])
        if ftype == 0:
            f = cur
        elif ftype == 1:
            f = cur - left
        elif ftype == 2:
            f = cur - up
        elif ftype == 3:
            f = cur - (left + up) // 2
        else:
            p = left + up - upleft
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
            f = cur - pred
        out.append(ftype)
        out += (f & 255).astype(np.uint8).tobytes()
        prev = row
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra +
            png_chunk(b"IDAT", zlib.compress(bytes(out), 9)) + png_chunk(b"IEND", b""))


def tiff_orientation(value, big_endian):
    """A minimal TIFF (EXIF) block with IFD0 = {0x0112: SHORT value}."""
    e = ">" if big_endian else "<"
    head = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    ifd = struct.pack(e + "H", 2)
    ifd += struct.pack(e + "HHI", 0x010F, 2, 4) + b"Pen\0"          # Make (ASCII, inline)
    ifd += struct.pack(e + "HHIH", 0x0112, 3, 1, value) + b"\0\0"
    ifd += struct.pack(e + "I", 0)
    return head + ifd


def insert_app1(jpeg, payload):
    seg = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + seg + jpeg[2:]


def lzw_literal(indices, min_code_size):
    """GIF LZW data that emits a clear code before every literal (valid, uncompressed)."""
    clear, end, bits = 1 << min_code_size, (1 << min_code_size) + 1, min_code_size + 1
    acc = nbits = 0
    buf = bytearray()
    for code in [c for v in indices for c in (clear, int(v))] + [end]:
        acc |= code << nbits
        nbits += bits
        while nbits >= 8:
            buf.append(acc & 255)
            acc >>= 8
            nbits -= 8
    if nbits:
        buf.append(acc & 255)
    blocks = bytearray([min_code_size])
    for i in range(0, len(buf), 255):
        blocks += bytes([len(buf[i:i + 255])]) + buf[i:i + 255]
    return bytes(blocks) + b"\0"


def raw_gif(screen, palette, frames, background=0):
    """frames: list of dict(x, y, w, h, indices, transparency=None, local=None, interlace=False)."""
    bits = max(1, math.ceil(math.log2(len(palette) // 3)))
    pal = bytes(palette) + bytes(3 * (1 << bits) - len(palette))
    out = b"GIF89a" + struct.pack("<HH", *screen) + bytes([0x80 | (bits - 1), background, 0]) + pal
    for f in frames:
        if f.get("transparency") is not None:
            out += b"\x21\xf9\x04\x01\x0a\x00" + bytes([f["transparency"]]) + b"\0"
        flags = 0x40 if f.get("interlace") else 0
        local = b""
        if f.get("local"):
            lbits = max(1, math.ceil(math.log2(len(f["local"]) // 3)))
            flags |= 0x80 | (lbits - 1)
            local = bytes(f["local"]) + bytes(3 * (1 << lbits) - len(f["local"]))
        out += b"\x2c" + struct.pack("<HHHH", f["x"], f["y"], f["w"], f["h"]) + bytes([flags]) + local
        idx = np.asarray(f["indices"]).reshape(f["h"], f["w"])
        if f.get("interlace"):
            order = [r for s, st in ((0, 8), (4, 8), (2, 4), (1, 2)) for r in range(s, f["h"], st)]
            idx = idx[order]
        out += lzw_literal(idx.reshape(-1), 8)
    return out + b"\x3b"


# --------------------------------------------------------------------------- decode cases

def decode_cases(folder):
    folder.mkdir(parents=True, exist_ok=True)
    cases = []

    def add(name, data, expect="pixels", tolerance=0):
        path = folder / name
        path.write_bytes(data)
        entry = {"file": f"decode/{name}", "expect": expect, "tolerance": tolerance}
        if expect == "pixels":
            with Image.open(path) as im:
                im.load()
                orientation = im.getexif().get(0x0112, 1)
            rgb = rgb_bytes(path)
            out = load_image(str(path))
            rgb_name = name + ".rgb"
            (folder / rgb_name).write_bytes(rgb)
            entry.update(width=out.width, height=out.height, rgb=f"decode/{rgb_name}",
                         orientation=int(orientation) if orientation in range(1, 9) else 1)
        else:
            try:
                load_image(str(path))
                entry["pilAccepts"] = True
            except Exception as error:  # record what PIL says, for the report
                entry["pilAccepts"] = False
                entry["pilError"] = f"{type(error).__name__}: {error}"[:200]
        entry["format"] = name.rsplit(".", 1)[1].replace("jpg", "jpeg")
        cases.append(entry)
        return data

    def jpeg(img, **kw):
        b = io.BytesIO()
        img.save(b, "JPEG", **kw)
        return b.getvalue()

    def png(img, **kw):
        b = io.BytesIO()
        img.save(b, "PNG", **kw)
        return b.getvalue()

    scan = scan_like(45, 31, seed=1)
    # JPEG variants
    baseline = add("baseline444.jpg", jpeg(scan, quality=90, subsampling=0))
    add("sub422.jpg", jpeg(scan, quality=85, subsampling=1))
    add("sub420.jpg", jpeg(scan, quality=75, subsampling=2))
    add("sub420_odd.jpg", jpeg(scan_like(37, 23, seed=2), quality=80, subsampling=2))
    add("progressive.jpg", jpeg(scan, quality=85, progressive=True))
    add("optimized.jpg", jpeg(scan, quality=60, optimize=True))
    add("grey.jpg", jpeg(scan.convert("L"), quality=85))
    add("rgb_colorspace.jpg", jpeg(scan, quality=90, keep_rgb=True))
    add("restart_markers.jpg", jpeg(scan_like(64, 48, seed=12), quality=80, restart_marker_blocks=2))
    add("grey_progressive.jpg", jpeg(scan.convert("L"), quality=70, progressive=True))
    r, g, b = np.moveaxis(np.asarray(scan).astype(np.int32), -1, 0)
    k = np.tile(np.linspace(0, 220, 45).astype(np.int32), (31, 1))
    cmyk = np.stack([255 - r, 255 - g, 255 - b, k], -1).astype(np.uint8)
    add("cmyk.jpg", jpeg(Image.fromarray(cmyk, "CMYK"), quality=90))
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        add(f"exif_le_{orientation}.jpg", jpeg(scan, quality=90, exif=exif.tobytes()))
    for orientation in (3, 6, 8):
        add(f"exif_be_{orientation}.jpg", insert_app1(jpeg(scan, quality=90),
                                                       b"Exif\0\0" + tiff_orientation(orientation, True)))
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           b'tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    add("xmp_orientation6.jpg", insert_app1(jpeg(scan, quality=90), b"http://ns.adobe.com/xap/1.0/\0" + xmp))
    add("exif_bad_offset.jpg", insert_app1(jpeg(scan, quality=90), b"Exif\0\0II*\0\xff\xff\0\0"))
    # damaged JPEGs
    add("truncated.jpg", baseline[: len(baseline) * 2 // 3], expect="damaged")
    sos = baseline.index(b"\xff\xda")
    flipped = bytearray(baseline)
    dht = baseline.index(b"\xff\xc4")
    flipped[dht + 5: dht + 21] = b"\xff" * 16                   # Huffman code counts: bogus table
    add("bitflip.jpg", bytes(flipped), expect="damaged")
    sof = baseline.index(b"\xff\xc0")
    bomb = bytearray(baseline)
    bomb[sof + 5: sof + 9] = b"\xff\xff\xff\xff"               # 65535 x 65535
    add("bomb.jpg", bytes(bomb), expect="tooManyPixels")
    add("header_only.jpg", baseline[:sos], expect="damaged")

    # PNG variants
    add("rgb8.png", png(scan))
    rgba = np.asarray(scan.convert("RGBA")).copy()
    rgba[..., 3] = RNG.integers(0, 256, size=rgba.shape[:2])
    rgba[0, :, 3] = 0
    add("rgba8.png", png(Image.fromarray(rgba, "RGBA")))
    add("grey8.png", png(scan.convert("L")))
    la = np.stack([np.asarray(scan.convert("L")), RNG.integers(0, 256, size=(31, 45), dtype=np.uint8)], -1)
    add("greyalpha8.png", png(Image.fromarray(la, "LA")))
    pal = scan.convert("P", palette=Image.Palette.ADAPTIVE, colors=37)
    add("palette.png", png(pal))
    add("palette_trns.png", png(pal, transparency=3))
    add("interlaced.png", raw_png_interlaced(scan))
    for depth in (1, 2, 4):
        samples = RNG.integers(0, 1 << depth, size=(13, 11), dtype=np.uint8)
        add(f"grey{depth}bit.png", raw_png(11, 13, 0, depth, samples))
    grey16 = RNG.integers(0, 1200, size=(17, 19)).astype(np.uint16)
    grey16[0, :5] = [0, 255, 256, 1000, 65535]
    add("grey16.png", raw_png(19, 17, 0, 16, grey16))
    rgb16 = RNG.integers(0, 65536, size=(17, 19, 3)).astype(np.uint16)
    add("rgb16.png", raw_png(19, 17, 2, 16, rgb16))
    rgba16 = RNG.integers(0, 65536, size=(17, 19, 4)).astype(np.uint16)
    rgba16[..., 3] = RNG.choice([0, 1, 200, 256, 4096, 30000, 65534, 65535], size=(17, 19))
    opaque = rgba16.copy()
    opaque[..., 3] = 65535
    add("rgba16_opaque.png", raw_png(19, 17, 6, 16, opaque))
    add("rgba16_translucent.png", raw_png(19, 17, 6, 16, rgba16), tolerance=1)
    la16 = RNG.integers(0, 65536, size=(17, 19, 2)).astype(np.uint16)
    la16[..., 1] = 65535
    add("greyalpha16_opaque.png", raw_png(19, 17, 4, 16, la16))
    la16[..., 1] = RNG.choice([0, 3, 255, 5000, 65000], size=(17, 19))
    add("greyalpha16_translucent.png", raw_png(19, 17, 4, 16, la16), tolerance=1)
    plte = png_chunk(b"PLTE", bytes(RNG.integers(0, 256, size=48, dtype=np.uint8)))
    trns = png_chunk(b"tRNS", bytes([0, 128, 255, 7]))
    add("palette4bit_trns.png", raw_png(11, 13, 3, 4, RNG.integers(0, 16, size=(13, 11), dtype=np.uint8), extra=plte + trns))
    add("palette8bit_short_plte.png", raw_png(11, 13, 3, 8, RNG.integers(0, 40, size=(13, 11), dtype=np.uint8), extra=plte))
    grey8 = RNG.integers(0, 256, size=(13, 11), dtype=np.uint8)
    add("grey8_trns.png", raw_png(11, 13, 0, 8, grey8, extra=png_chunk(b"tRNS", struct.pack(">H", int(grey8[0, 0])))))
    add("grey16_trns.png", raw_png(19, 17, 0, 16, grey16, extra=png_chunk(b"tRNS", struct.pack(">H", 1000))))
    add("rgb16_trns.png", raw_png(19, 17, 2, 16, rgb16, extra=png_chunk(b"tRNS", struct.pack(">3H", *map(int, rgb16[0, 0])))))
    gamma = png_chunk(b"gAMA", struct.pack(">I", 100000)) + png_chunk(b"cHRM", struct.pack(">8I", *([31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000])))
    add("rgb8_gamma1.png", raw_png(45, 31, 2, 8, np.asarray(scan), extra=gamma))
    add("rgb16_gamma1.png", raw_png(19, 17, 2, 16, rgb16, extra=gamma))
    add("rgb8_srgb.png", raw_png(45, 31, 2, 8, np.asarray(scan), extra=png_chunk(b"sRGB", b"\0")))
    add("exif6.png", raw_png(45, 31, 2, 8, np.asarray(scan), extra=png_chunk(b"eXIf", tiff_orientation(6, True))))
    xmp_png = b'<x:xmpmeta><rdf:Description tiff:Orientation="3"/></x:xmpmeta>'
    add("xmp_itxt3.png", raw_png(45, 31, 2, 8, np.asarray(scan),
                                 extra=png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp_png)))
    add("xmp_text5.png", raw_png(45, 31, 2, 8, np.asarray(scan), extra=png_chunk(b"tEXt", b"XML:com.adobe.xmp\0" + xmp_png.replace(b'"3"', b'"5"'))))
    good = raw_png(45, 31, 2, 8, np.asarray(scan))
    iend = good.rindex(b"IEND") - 4
    add("exif_after_idat.png", good[:iend] + png_chunk(b"eXIf", tiff_orientation(8, False)) + good[iend:])
    add("truncated.png", good[: len(good) // 2], expect="damaged")
    idat = good.index(b"IDAT")
    flipped = bytearray(good)
    flipped[idat + 40] ^= 0x10
    add("bitflip.png", bytes(flipped), expect="damaged")
    ihdr = struct.pack(">IIBBBBB", 65535, 65535, 8, 2, 0, 0, 0)
    add("bomb.png", good[:8] + png_chunk(b"IHDR", ihdr) + good[33:], expect="tooManyPixels")

    # GIF variants
    indices = np.asarray(pal).reshape(-1)
    palette = list(np.asarray(pal.getpalette()[: 3 * 37], dtype=np.uint8))
    add("palette.gif", raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices)]))
    add("gif87a.gif", b"GIF87a" + raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices)])[6:])
    add("interlaced.gif", raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices, interlace=True)]))
    second = (indices + 5) % 37
    add("animated.gif", raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices),
                                                   dict(x=3, y=2, w=10, h=10, indices=second[:100])]))
    small = indices.reshape(31, 45)[:12, :20].reshape(-1)
    add("small_frame.gif", raw_gif((45, 31), palette, [dict(x=7, y=5, w=20, h=12, indices=small)]))
    # PIL fills the canvas with index 0, not the screen's background colour index.
    add("small_frame_bgindex.gif", raw_gif((45, 31), palette, [dict(x=7, y=5, w=20, h=12, indices=small)], background=9))
    add("small_frame_trns.gif", raw_gif((45, 31), palette, [dict(x=7, y=5, w=20, h=12, indices=small, transparency=4)]))
    add("frame_outside.gif", raw_gif((30, 20), palette, [dict(x=20, y=12, w=20, h=12, indices=small)]))
    local = list(RNG.integers(0, 256, size=3 * 37, dtype=np.uint8))
    add("local_palette.gif", raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices, local=local)]))
    greyramp = [v for i in range(16) for v in (i, i, i)]
    add("greyramp.gif", raw_gif((6, 4), greyramp, [dict(x=0, y=0, w=6, h=4, indices=[0, 3, 15, 16, 200, 255] * 4)]))
    add("index_past_palette.gif", raw_gif((6, 4), palette[:12], [dict(x=0, y=0, w=6, h=4, indices=[0, 1, 3, 4, 9, 255] * 4)]))
    gif = raw_gif((45, 31), palette, [dict(x=0, y=0, w=45, h=31, indices=indices)])
    add("truncated.gif", gif[: len(gif) // 2], expect="damaged")
    bad = bytearray(gif)
    bad[13 + 3 * 64 + 10] = 0x0F                                # LZW minimum code size 15: invalid
    add("bad_lzw.gif", bytes(bad), expect="damaged")
    add("bomb.gif", gif[:6] + struct.pack("<HH", 65535, 65535) + gif[10:], expect="tooManyPixels")
    add("no_frame.gif", gif[: 13 + 3 * 64] + b"\x3b", expect="damaged")

    # not images at all
    add("empty.png", b"", expect="emptyFile")
    add("text.jpg", b"This is a shopping list, not a picture.\n", expect="unsupportedFormat")
    return cases


def raw_png_interlaced(img):
    """Adam7 PNG written by hand (Pillow can read but not write interlaced PNG)."""
    arr = np.asarray(img)
    h, w, _ = arr.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    data = bytearray()
    for x0, y0, dx, dy in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            data.append(0)
            data += row.tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(bytes(data))) +
            png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------- resize cases

def pillow13_vertical_first(w, h, W, H):
    return H < h and (h - H) > 2 * (w - W)


def resize_cases(folder):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    sources = {
        "noise_61x47": Image.fromarray(rng.integers(0, 256, size=(47, 61, 3), dtype=np.uint8), "RGB"),
        "scan_160x120": scan_like(160, 120, seed=3),
        "edges_33x90": Image.fromarray(np.where(rng.random((90, 33, 3)) < 0.5, 0, 255).astype(np.uint8), "RGB"),
    }
    out = []
    for name, img in sources.items():
        (folder / f"{name}.rgb").write_bytes(np.asarray(img).tobytes())
        w, h = img.size
        pairs = set()
        while len(pairs) < 45:                                   # random up/down in both axes
            pairs.add((int(rng.integers(1, 3 * w)), int(rng.integers(1, 3 * h))))
        for dw in range(-6, 7):                                  # near-ties of the pass-order rule
            for delta in (-1, 0, 1):                             # h - H = 2 (w - W) + delta
                W, H = w - dw, h - 2 * dw - delta
                if 0 < W and 0 < H:
                    pairs.add((W, H))
        pairs |= {(w, h), (w, h // 2), (w // 2, h), (1, 1), (w, 1), (1, h), (2 * w, h), (w, 2 * h),
                  (w - 1, h - 3), (w - 1, h - 2), (w + 1, h - 1), (w // 3, h // 3)}
        targets = []
        for W, H in sorted(pairs):
            res = img.resize((W, H), Image.Resampling.BICUBIC, reducing_gap=None)
            targets.append([W, H, hashlib.sha256(np.asarray(res).tobytes()).hexdigest(),
                            bool(pillow13_vertical_first(w, h, W, H))])
        out.append({"source": f"resize/{name}.rgb", "width": w, "height": h, "targets": targets})
    return out


# --------------------------------------------------------------------------- smart_resize and preprocessing

def smart_resize_cases():
    sizes = [(56, 84), (1000, 1000), (3508, 2480), (70, 70), (126, 98), (20, 20), (28, 28), (5000, 4000),
             (10000, 10000), (30, 5000), (600, 800), (1080, 1920), (1, 200), (1, 201), (14, 14), (13, 13),
             (42, 42), (70, 98), (4032, 3024), (1, 1), (3, 600)]
    rng = np.random.default_rng(11)
    sizes += [(int(rng.integers(1, 6000)), int(rng.integers(1, 6000))) for _ in range(60)]
    cases = []
    for minp, maxp in ((3136, 12845056), (3136, 1003520), (200704, 1003520)):
        for h, w in sizes:
            try:
                result = list(smart_resize(h, w, 28, minp, maxp))
            except ValueError:
                result = "error"
            cases.append({"height": h, "width": w, "factor": 28, "minPixels": minp, "maxPixels": maxp, "result": result})
    return cases


def preprocess_cases(folder):
    folder.mkdir(parents=True, exist_ok=True)
    mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
    proc = Qwen2VLImageProcessor(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                                 merge_size=2, image_mean=mean, image_std=std)
    cases = []
    for name, (w, h), seed in (("scan_84x56", (84, 56), 4), ("scan_100x70", (100, 70), 5),
                               ("scan_57x93", (57, 93), 6), ("scan_150x40", (150, 40), 8)):
        path = folder / f"{name}.png"
        scan_like(w, h, seed=seed).save(path)
        image = load_image(str(path))
        out = proc(images=[image], return_tensors="np")
        values = np.asarray(out["pixel_values"], dtype="<f4")
        t, gh, gw = (int(v) for v in out["image_grid_thw"][0])
        (folder / f"{name}.f32").write_bytes(values.tobytes())
        cases.append({"file": f"preprocess/{name}.png", "values": f"preprocess/{name}.f32", "gridT": t,
                      "gridH": gh, "gridW": gw, "rows": int(values.shape[0]), "cols": int(values.shape[1]),
                      "mean": mean, "std": std, "minPixels": 3136, "maxPixels": 12845056, "patchSize": 14,
                      "temporalPatchSize": 2, "mergeSize": 2})
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Tests/Fixtures/imaging"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "pillow": Image.__version__,
        "decode": decode_cases(out / "decode"),
        "resize": resize_cases(out / "resize"),
        "smartResize": smart_resize_cases(),
        "preprocess": preprocess_cases(out / "preprocess"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
