#!/usr/bin/env python3
"""Builds Tests/Fixtures/hostile/documents/: broken and malicious PDF, TIFF, HEIF and WebP files,
and documents.json saying what each must give. The companion of make-hostile-corpus.py (which makes
the JPEG/PNG/GIF corpus beside it); read by Tests/ImagingTests/HostileDocumentTests.swift, which opens
every file in-process with the daemon's decoders, reads every page and text layer, and times each.

Run once with the reference venv (Pillow, pikepdf, pillow-heif):
    $REFENV/bin/python scripts/make-hostile-documents.py
Deterministic (fixed seeds, no dates), well under 2 MB in all.

expect:
  error    ScanOpener.open or a page / text layer throws; `kind` names the ImageDecodeError case
           ("damaged", "tooManyPixels", "tooManyPages", "passwordProtected", "limitExceeded",
           "invalidDimensions", "unsupportedVariant", or "any" for any typed error)
  either   a typed error or pages (poppler and libtiff repair some damage), never anything else
  pages    opens and every page decodes
Every case must finish in `seconds` (the test runs renderers with a 4 s limit).
"""
import io
import json
import os
import random
import shutil
import struct
import zlib

import pikepdf
import pillow_heif
from PIL import Image, ImageDraw

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "hostile", "documents"))
CASES = []


def add(name, data, expect, why, kind="any", seconds=15):
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)
    CASES.append({"file": name, "expect": expect, "why": why, "kind": kind, "seconds": seconds})


def note(width=64, height=48, seed=0):
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (245, 242, 230))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        draw.line((rng.randrange(width), rng.randrange(height), rng.randrange(width), rng.randrange(height)),
                  fill=(20, 20, 60), width=2)
    return img


def encode(img, fmt, **kw):
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def pdf(objects, root=1, trailer_extra=b""):
    """A PDF from numbered object bodies (1-based), with a correct xref table."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


def stream(dictionary, data, compress=True, twice=False):
    """A stream object; `twice` deflates it twice (/Filter [/FlateDecode /FlateDecode]): bombs stay tiny."""
    if twice:
        data = zlib.compress(zlib.compress(data, 9), 9)
        dictionary += b" /Filter [/FlateDecode /FlateDecode]"
    elif compress:
        data = zlib.compress(data, 9)
        dictionary += b" /Filter /FlateDecode"
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def one_page(content, resources=b"<< >>", media=b"[0 0 200 200]", extra_objects=(), twice=False):
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox " + media + b" /Contents 4 0 R /Resources " + resources + b" >>",
                stream(b"", content, twice=twice)] + list(extra_objects))


def pdf_cases():
    scanned = encode(note(seed=1), "PDF", resolution=72)
    add("truncated.pdf", scanned[: len(scanned) // 2], "error", "PDF cut in half: poppler may rebuild the xref", "damaged")
    add("header-only.pdf", b"%PDF-1.7\n", "error", "the PDF header and nothing else", "damaged")
    add("html-with-magic.pdf", b"%PDF-<html><body>not a pdf</body></html>", "error", "PDF magic, then HTML", "damaged")
    rng = random.Random(7)
    add("garbage-xref.pdf", b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(4000)), "error",
        "header then 4 KB of random bytes", "damaged")
    add("no-pages.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        "error", "a page tree with no pages", "damaged")
    add("page-tree-loop.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                   b"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
                                   b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"]),
        "error", "the page tree's kid is its own parent: a loop, no page", "damaged")
    add("count-lies.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                               b"<< /Type /Pages /Kids [3 0 R] /Count 100000 >>",
                               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>"]),
        "error", "/Count claims 100000 pages, the tree holds one", "damaged")
    add("catalog-missing.pdf", pdf([b"<< /Type /Pages /Kids [] /Count 0 >>"], root=7), "error",
        "the trailer's /Root names an object that does not exist", "damaged")

    # 100,000 real pages, in compressed object streams (a few hundred KB).
    big = pikepdf.new()
    big.add_blank_page(page_size=(72, 72))
    tree = big.Root.Pages
    tree.Kids = pikepdf.Array([big.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Page, Parent=tree,
                                                                    MediaBox=[0, 0, 72, 72]))
                               for _ in range(100_000)])
    tree.Count = 100_000
    out = io.BytesIO()
    big.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True, deterministic_id=True)
    add("100000-pages.pdf", out.getvalue(), "error", "100,000 real pages: refused from the page count",
        "tooManyPages", seconds=30)

    # Encryption.
    src = pikepdf.open(io.BytesIO(scanned))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"), static_id=True)
    add("encrypted-user-password.pdf", out.getvalue(), "error", "AES-256 with a user password", "passwordProtected")
    src = pikepdf.open(io.BytesIO(scanned))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(user="", owner="owner", R=4), static_id=True)
    add("encrypted-owner-only.pdf", out.getvalue(), "pages", "RC4/AES with an empty user password: opens without one")

    # Sizes.
    add("million-point-wide.pdf", one_page(b"0 0 m 1000000 10 l S", media=b"[0 0 1000000 10]"), "either",
        "a page 1,000,000 pt wide and 10 pt tall: rendered within the budget (a sliver) or refused")
    add("zero-mediabox.pdf", one_page(b"", media=b"[0 0 0 0]"), "either", "a 0 x 0 page")
    add("nan-mediabox.pdf", one_page(b"", media=b"[0 0 1e400 -5]"), "either", "a page size that is not a number")

    # Endless work: a content stream of 10 million path operations (deflated twice: a few KB on disk).
    ops = b"0 0 m 200 200 l S\n" * 2_500_000
    add("endless-content.pdf", one_page(ops * 4, twice=True), "error",
        "180 MB of drawing operators in one content stream, 1 KB on disk: killed at the time limit",
        "limitExceeded", seconds=20)
    # A billion draws: form k draws form k+1 ten times, nine levels deep.
    forms = []
    depth = 9
    for level in range(depth):
        if level == depth - 1:
            body = b"0 0 m 1 1 l S"
            resources = b"<< >>"
        else:
            body = b"q /F%d Do Q " % (level + 1) * 10
            resources = b"<< /XObject << /F%d %d 0 R >> >>" % (level + 1, 5 + level + 1)
        forms.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources " + resources, body))
    add("form-bomb.pdf", one_page(b"/F0 Do", resources=b"<< /XObject << /F0 5 0 R >> >>", extra_objects=forms),
        "error", "nested forms: 10^9 draws from a 2 KB file; killed at the CPU/wall limit", "limitExceeded", seconds=20)
    add("self-drawing-form.pdf", one_page(b"/F0 Do", resources=b"<< /XObject << /F0 5 0 R >> >>",
                                         extra_objects=[stream(b"/Type /XObject /Subtype /Form /BBox [0 0 9 9] "
                                                               b"/Resources << /XObject << /F0 5 0 R >> >>", b"/F0 Do")]),
        "either", "a form that draws itself: poppler stops the recursion, or the limit does")
    # An image bomb: a 40000 x 40000 1-bit image (200 MB decoded) from 200 KB of zlib.
    side = 40_000
    image = stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1"
                   % (side, side), b"\x00" * (side * side // 8), twice=True)
    add("image-bomb.pdf", one_page(b"q 200 0 0 200 0 0 cm /I0 Do Q", resources=b"<< /XObject << /I0 5 0 R >> >>",
                                   extra_objects=[image]),
        "either", "a 1.6-gigapixel image in a 1 KB file: downsampled within the limits, or stopped", seconds=20)
    add("bad-jpeg-stream.pdf", one_page(b"q 200 0 0 200 0 0 cm /I0 Do Q", resources=b"<< /XObject << /I0 5 0 R >> >>",
                                        extra_objects=[b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 "
                                                       b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                                                       b"/Length 64 >>\nstream\n" + bytes(range(64)) + b"\nendstream"]),
        "either", "an image whose JPEG data is garbage")
    add("deep-nesting.pdf", one_page(b"", resources=b"[" * 20_000 + b"]" * 20_000), "either",
        "20,000 nested arrays in the page's resources")


def tiff(entries, data=b"", big_endian=False, next_ifd=0):
    """A classic single-IFD TIFF: entries = [(tag, type, count, value)], value an int (inline) and
    the strip data appended after the IFD (tag 273's value is patched to its offset)."""
    e = ">" if big_endian else "<"
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = 8 + ifd_size
    body = struct.pack(e + "H", len(entries))
    for tag, kind, count, value in sorted(entries):
        if tag == 273 and value is None:
            value = data_offset
        if kind == 3 and count == 1:
            body += struct.pack(e + "HHIHH", tag, kind, count, value, 0)
        else:
            body += struct.pack(e + "HHII", tag, kind, count, value)
    body += struct.pack(e + "I", next_ifd)
    return head + body + data


def grey_tiff(width, height, data, compression=1, extra=()):
    return tiff([(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, compression), (262, 3, 1, 1),
                 (273, 4, 1, None), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, len(data))] + list(extra), data)


def tiff_cases():
    good = encode(note(seed=2), "TIFF", compression="tiff_lzw")
    add("truncated.tif", good[: len(good) // 2], "error", "LZW TIFF cut in half", "damaged")
    add("header-only.tif", b"II*\x00\x08\x00\x00\x00", "error", "TIFF header pointing at a missing IFD", "damaged")
    add("huge-dimensions.tif", grey_tiff(100_000, 100_000, b"\x00" * 64), "error", "IFD claims 100000 x 100000",
        "tooManyPixels")
    bomb = zlib.compress(b"\x00" * (12_000 * 12_000 // 8), 9)
    add("deflate-bomb.tif", tiff([(256, 4, 1, 12_000), (257, 4, 1, 12_000), (258, 3, 1, 1), (259, 3, 1, 8),
                                  (262, 3, 1, 1), (273, 4, 1, None), (277, 3, 1, 1), (278, 4, 1, 12_000),
                                  (279, 4, 1, len(bomb))], bomb),
        "error", "a real deflate bomb: 12000 x 12000 1-bit, 18 KB on disk", "tooManyPixels")
    add("zero-width.tif", grey_tiff(0, 10, b"\x00" * 10), "error", "IFD with width 0", "damaged")
    add("strip-past-end.tif", tiff([(256, 4, 1, 64), (257, 4, 1, 64), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                                    (273, 4, 1, 1 << 30), (277, 3, 1, 1), (278, 4, 1, 64), (279, 4, 1, 4096)]),
        "error", "the strip offset points a gigabyte past the end", "damaged")
    add("unknown-compression.tif", grey_tiff(16, 16, b"\x00" * 256, compression=60_000), "error",
        "compression scheme 60000", "damaged")
    add("ifd-loop.tif", tiff([(256, 4, 1, 8), (257, 4, 1, 8), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                              (273, 4, 1, None), (277, 3, 1, 1), (278, 4, 1, 8), (279, 4, 1, 64)], b"\x80" * 64,
                             next_ifd=8),
        "either", "the IFD's next-IFD offset points at itself: a loop libtiff must stop")
    rng = random.Random(11)
    g4 = bytes(rng.randrange(256) for _ in range(300))
    add("garbage-g4.tif", tiff([(256, 4, 1, 200), (257, 4, 1, 200), (258, 3, 1, 1), (259, 3, 1, 4), (262, 3, 1, 0),
                                (273, 4, 1, None), (277, 3, 1, 1), (278, 4, 1, 200), (279, 4, 1, len(g4))], g4),
        "error", "CCITT G4 data that is random bytes", "damaged")
    # 1200 directories (all sharing one strip): over the test's page limit of 1000.
    e = "<"
    strip = b"\x80" * 4
    count = 1200
    entries = [(256, 4, 1, 2), (257, 4, 1, 2), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, 8),
               (277, 3, 1, 1), (278, 4, 1, 2), (279, 4, 1, 4)]
    ifd_size = 2 + 12 * len(entries) + 4
    out = bytearray(b"II*\x00" + struct.pack(e + "I", 12) + strip)
    for index in range(count):
        here = 12 + index * ifd_size
        out += struct.pack(e + "H", len(entries))
        for tag, kind, n, value in entries:
            out += struct.pack(e + "HHIHH", tag, kind, n, value, 0) if kind == 3 else struct.pack(e + "HHII", tag, kind, n, value)
        out += struct.pack(e + "I", here + ifd_size if index < count - 1 else 0)
    add("1200-pages.tif", bytes(out), "error", "1200 directories: over the page limit the test sets (1000)", "tooManyPages")


def heif_cases():
    pillow_heif.register_heif_opener()
    heic = encode(note(seed=3), "HEIF", quality=60)
    add("truncated.heic", heic[: len(heic) // 2], "error", "HEIC cut in half", "damaged")
    add("ftyp-only.heic", heic[:32], "error", "the ftyp box and nothing else", "damaged")
    rng = random.Random(5)
    add("garbage-after-ftyp.heic", heic[:24] + bytes(rng.randrange(256) for _ in range(2000)), "error",
        "a HEIC ftyp, then random bytes", "damaged")
    at = heic.index(b"ispe")
    huge = bytearray(heic)
    struct.pack_into(">II", huge, at + 8, 100_000, 100_000)
    add("huge-ispe.heic", bytes(huge), "error", "ispe claims 100000 x 100000", "damaged")
    at = heic.index(b"mdat")
    flipped = bytearray(heic)
    for offset in range(at + 40, min(len(flipped), at + 140)):
        flipped[offset] ^= 0x5A
    add("corrupt-hevc.heic", bytes(flipped), "either", "100 bytes of the HEVC stream flipped")
    at = heic.index(b"pitm")
    no_primary = bytearray(heic)
    no_primary[at:at + 4] = b"xitm"
    add("no-primary.heic", bytes(no_primary), "error", "the primary-item box renamed: libheif may pick the first image", "damaged")


def webp_cases():
    lossy = encode(note(seed=4), "WEBP", quality=70)
    lossless = encode(note(seed=5), "WEBP", lossless=True)
    add("truncated.webp", lossy[: len(lossy) // 2], "error", "lossy WebP cut in half", "damaged")
    add("truncated-lossless.webp", lossless[: len(lossless) // 2], "error", "lossless WebP cut in half", "damaged")
    lie = bytearray(lossy)
    struct.pack_into("<I", lie, 4, 0x7FFFFFF0)
    add("riff-size-lie.webp", bytes(lie), "error", "the RIFF size claims 2 GB", "damaged")
    vp8x = (b"VP8X" + struct.pack("<I", 10) + bytes([0x10, 0, 0, 0]) + (16_000_000).to_bytes(3, "little")
            + (16_000_000).to_bytes(3, "little"))
    body = b"WEBP" + vp8x + lossy[12:]
    add("huge-canvas.webp", b"RIFF" + struct.pack("<I", len(body)) + body, "error",
        "VP8X canvas 16000001 x 16000001", "damaged")
    flipped = bytearray(lossless)
    for offset in range(30, min(len(flipped), 80)):
        flipped[offset] ^= 0xA5
    add("corrupt-lossless.webp", bytes(flipped), "error", "50 bytes of the VP8L stream flipped", "damaged")
    frames = [note(seed=20 + k) for k in range(2)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    anim = bytearray(out.getvalue())
    at = anim.index(b"ANMF")
    anim[at + 8:at + 14] = b"\xff\xff\xff\xff\xff\xff"  # frame offset far outside the canvas
    add("animation-frame-outside.webp", bytes(anim), "error", "the first ANMF frame lies outside the canvas", "damaged")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    pdf_cases()
    tiff_cases()
    heif_cases()
    webp_cases()
    with open(os.path.join(ROOT, "documents.json"), "w") as f:
        json.dump({"generated_by": "scripts/make-hostile-documents.py", "cases": CASES}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(ROOT, c["file"])) for c in CASES)
    print(f"{len(CASES)} cases, {total} bytes in {ROOT}")


if __name__ == "__main__":
    main()
