#!/usr/bin/env python3
"""Build the document fixtures in Tests/Fixtures/documents/ (NOT run by CI).

Every file is made by a real tool or its library, small (KBs), deterministic (fixed seeds, fixed
PDF dates and ids):
  - img2pdf 0.6 (PyPI)         a 3-page scanned PDF (image-only pages; page 2 is a JPEG with EXIF
                               orientation 6, which img2pdf turns into /Rotate 90)
  - fpdf2 2.8 (PyPI)           a born-digital 2-page PDF: page 1 has a text layer, page 2 only a drawing
  - Pillow 13 (libtiff 4.7)    TIFF pages: CCITT G4 and G3, LZW, Deflate, JPEG, PackBits, 8/16-bit grey,
                               RGB, RGBA, palette, CMYK; tiffcp (libtiff-tools) joins two G4 pages,
                               the second with orientation tag 6, into one 2-page TIFF
  - pillow-heif 1.8 (libheif)  a HEIC "photo taken rotated": stored landscape with irot and EXIF
                               orientation 6 both present (what pillow-heif / iPhones write)
  - Pillow 13 (libavif)        the same as AVIF
  - Pillow 13 (libwebp 1.6)    WebP lossy, lossless, lossy+alpha, lossless+alpha, animated (3 frames);
    cwebp (webp package)       one more lossy WebP from the command-line encoder

References (what the Swift tests compare against), in manifest.json:
  - raster formats: <file>.rgb = transformers.image_utils.load_image(...) RGB8 (Pillow 13 +
    pillow-heif: EXIF transpose, then convert("RGB")); a TIFF page i > 0 uses Image.seek(i) first.
  - PDF pages: pdftoppm's own rendering (poppler-utils, the program scrawl runs) at the size the
    pixel budget gives, stored as SHA-256 + the page's mean RGB, and the source picture of each
    scanned page (upright) for a content check; pdftotext's text of each page.

How to run (needs poppler-utils, libtiff-tools, webp on PATH):
    /work/refenv/bin/python scripts/reference/make_document_fixtures.py [--out Tests/Fixtures/documents]
"""
import argparse
import hashlib
import io
import json
import math
import shutil
import struct
import subprocess
from pathlib import Path

import img2pdf
import numpy as np
import pillow_heif
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, ImageOps
from transformers.image_utils import load_image

pillow_heif.register_heif_opener()
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"
# The pixel budget the PDF tests render with (a small one: fixtures stay small, the rule is the same).
PDF_BUDGET = 30000


def note(width, height, lines, seed=0, ink=(25, 30, 90)):
    """A 'handwritten' note: pale ruled paper, a slanted hand-ish font, wobbly strokes."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), (246, 242, 228))
    draw = ImageDraw.Draw(img)
    for y in range(14, height, 14):
        draw.line((0, y, width, y), fill=(190, 205, 230), width=1)
    font = ImageFont.truetype(FONT, 12) if Path(FONT).exists() else ImageFont.load_default()
    for i, text in enumerate(lines):
        draw.text((4 + int(rng.integers(0, 4)), 2 + 14 * i), text, fill=ink, font=font)
    for _ in range(3):
        pts = [(int(rng.integers(0, width)), int(rng.integers(height // 2, height))) for _ in range(4)]
        draw.line(pts, fill=ink, width=2)
    # a mark in the top-left corner, so a rotation or mirror shows in every test
    draw.rectangle((0, 0, 9, 5), fill=(200, 30, 30))
    return img


def jpeg_bytes(img, exif_orientation=None, quality=80):
    out = io.BytesIO()
    kw = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kw["exif"] = exif.tobytes()
    img.save(out, "JPEG", quality=quality, **kw)
    return out.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def render_size(width_pt, height_pt, budget):
    """PDFPageSource.renderSize, independently: one resolution, long side L, short side ceil(short*L/long)."""
    long, short = max(width_pt, height_pt), min(width_pt, height_pt)
    side = max(1, math.floor(long * math.sqrt(budget / (width_pt * height_pt))))
    other = lambda L: max(1, math.ceil(short * ((72.0 * L / long) / 72.0)))
    while side > 1 and side * other(side) > budget:
        side -= 1
    return (side, other(side)) if width_pt >= height_pt else (other(side), side), side


def pdf_pages(path):
    """[(width_pt, height_pt)] as shown (rotation applied), from pdfinfo."""
    count = int(next(l for l in subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
                     .stdout.splitlines() if l.startswith("Pages:")).split()[1])
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", str(count), str(path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    pages = []
    for n in range(1, count + 1):
        prefix = f"Page {n:4d} "
        size = next(l for l in out if l.startswith(prefix + "size:")).split(":", 1)[1].split()
        rot = int(next(l for l in out if l.startswith(prefix + "rot:")).split(":", 1)[1])
        w, h = float(size[0]), float(size[2])
        pages.append((h, w) if rot % 180 == 90 else (w, h))
    return pages


def pdftoppm(path, page, w, h, long_side):
    ppm = subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-cropbox", "-scale-to", str(long_side),
                          str(path)], capture_output=True, check=True).stdout
    img = Image.open(io.BytesIO(ppm))
    assert img.size == (w, h), (img.size, w, h)
    return np.asarray(img.convert("RGB"))


def pdftotext(path, page):
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = text.replace("\f", "").strip()
    return text or None


def pdf_entry(out, name, sources=None):
    path = out / name
    pages = []
    for n, (w_pt, h_pt) in enumerate(pdf_pages(path), start=1):
        (w, h), long_side = render_size(w_pt, h_pt, PDF_BUDGET)
        pixels = pdftoppm(path, n, w, h, long_side)
        entry = {"widthPt": w_pt, "heightPt": h_pt, "width": w, "height": h, "sha256": sha(pixels.tobytes()),
                 "mean": [round(float(v), 3) for v in pixels.reshape(-1, 3).mean(axis=0)], "text": pdftotext(path, n)}
        if sources:
            # the upright source picture resized to the render size: a content/orientation check
            src = sources[n - 1].resize((w, h), Image.BICUBIC)
            src_name = f"{name}.page{n}.rgb"
            (out / src_name).write_bytes(np.asarray(src).tobytes())
            entry["source"] = src_name
        pages.append(entry)
    return {"file": name, "format": "pdf", "budget": PDF_BUDGET, "pages": pages}


def raster_entry(out, name, fmt, tolerance, page=0, orientation=1, note_text="", mean_tolerance=0.25):
    """load_image's pixels (page `page` of a multi-page file) as the reference."""
    path = out / name
    with Image.open(path) as im:
        if page:
            im.seek(page)
            im.load()
            ref = ImageOps.exif_transpose(im).convert("RGB")
        else:
            ref = load_image(str(path))
        frames = getattr(im, "n_frames", 1)
    rgb_name = f"{name}.page{page + 1}.rgb"
    (out / rgb_name).write_bytes(np.asarray(ref).tobytes())
    return {"file": name, "format": fmt, "page": page, "pages": frames, "width": ref.width, "height": ref.height,
            "rgb": rgb_name, "tolerance": tolerance, "meanTolerance": mean_tolerance, "orientation": orientation,
            "why": note_text}


def tiff16_rgb(img):
    """An uncompressed 16-bit RGB TIFF written by hand (Pillow cannot save RGB;16), little-endian."""
    a = np.asarray(img).astype(np.uint16) * 257 + np.arange(img.width, dtype=np.uint16)[None, :, None]
    data = a.astype("<u2").tobytes()
    entries = [(256, 3, 1, img.width), (257, 3, 1, img.height), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, None), (277, 3, 1, 3), (278, 3, 1, img.height), (279, 4, 1, len(data)), (284, 3, 1, 1)]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bps_offset = ifd_offset + ifd_size
    data_offset = bps_offset + 6
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bps_offset
            out += struct.pack("<HHII", tag, kind, count, value)
        elif tag == 273:
            out += struct.pack("<HHII", tag, kind, count, data_offset)
        elif kind == 3:
            out += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, kind, count, value)
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + data
    return bytes(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "documents"))
    out = Path(parser.parse_args().out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = {"generated_by": "scripts/reference/make_document_fixtures.py", "pdf": [], "raster": []}

    # ---- PDF: scanned (image-only), 3 pages; page 2's JPEG carries EXIF orientation 6 → /Rotate 90.
    pages = [note(150, 200, ["Mon: call Ana", "milk, eggs", "pay rent"], seed=1),
             note(200, 140, ["Tue: dentist 3pm", "buy stamps"], seed=2),
             note(150, 200, ["Wed: gym", "read ch. 4", "fix bike"], seed=3)]
    stored2 = pages[1].transpose(Image.Transpose.ROTATE_90)  # stored sideways, EXIF 6 turns it back
    jpegs = [jpeg_bytes(pages[0]), jpeg_bytes(stored2, exif_orientation=6), jpeg_bytes(pages[2])]
    layout = img2pdf.get_fixed_dpi_layout_fun((100, 100))
    pdf = img2pdf.convert(jpegs, layout_fun=layout, nodate=True, rotation=img2pdf.Rotation.ifvalid)
    (out / "scanned-3page.pdf").write_bytes(pdf)
    upright = [load_image(Image.open(io.BytesIO(j))) for j in jpegs]
    manifest["pdf"].append(pdf_entry(out, "scanned-3page.pdf", sources=upright))

    # ---- PDF: born-digital with a text layer on page 1, a drawing only on page 2.
    doc = FPDF(unit="pt", format=(300, 200))
    doc.set_creation_date(__import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    doc.add_page()
    doc.set_font("Helvetica", size=14)
    doc.text(20, 40, "Shopping list")
    doc.text(20, 70, "milk, eggs, bread")
    doc.text(20, 100, "Call the plumber at 9")
    doc.add_page()
    doc.set_draw_color(20, 30, 90)
    doc.set_line_width(2)
    doc.line(20, 150, 280, 40)
    doc.circle(150, 100, 40)
    doc.set_producer("fpdf2")
    (out / "born-digital.pdf").write_bytes(bytes(doc.output()))
    manifest["pdf"].append(pdf_entry(out, "born-digital.pdf"))

    # ---- TIFF: 2-page CCITT G4 (tiffcp joins a plain page and one with orientation 6).
    g4a = note(120, 90, ["G4 page one", "sign here"], seed=4).convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")
    g4b = note(100, 70, ["page two", "sideways"], seed=5).convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")
    g4a.save(out / "g4-a.tif", compression="group4")
    g4b.save(out / "g4-b.tif", compression="group4", tiffinfo={274: 6})
    subprocess.run(["tiffcp", "-c", "g4", str(out / "g4-a.tif"), str(out / "g4-b.tif"), str(out / "g4-2page.tif")], check=True)
    (out / "g4-a.tif").unlink()
    (out / "g4-b.tif").unlink()
    manifest["raster"].append(raster_entry(out, "g4-2page.tif", "tiff", 0, 0, 1, "CCITT G4, page 1"))
    manifest["raster"].append(raster_entry(out, "g4-2page.tif", "tiff", 0, 1, 6, "CCITT G4, page 2, orientation 6"))

    base = note(48, 36, ["tiff", "ok"], seed=6)
    variants = [
        ("g3.tif", base.convert("1"), {"compression": "group3"}, 0, 1),
        ("lzw-rgb.tif", base, {"compression": "tiff_lzw"}, 0, 1),
        ("deflate-grey.tif", base.convert("L"), {"compression": "tiff_adobe_deflate"}, 0, 1),
        ("jpeg-rgb.tif", base, {"compression": "jpeg", "quality": 85}, 0, 1),
        ("packbits-palette.tif", base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), {"compression": "packbits"}, 0, 1),
        ("rgba.tif", base.convert("RGBA"), {"compression": "tiff_lzw"}, 0, 1),
        ("cmyk.tif", base.convert("CMYK"), {"compression": "tiff_lzw"}, 0, 1),
        ("orientation3.tif", base, {"compression": "tiff_lzw", "tiffinfo": {274: 3}}, 0, 3),
        ("orientation8.tif", base, {"compression": "tiff_lzw", "tiffinfo": {274: 8}}, 0, 8),
    ]
    for name, img, kw, tolerance, orientation in variants:
        if name == "rgba.tif":
            a = np.asarray(img).copy()
            a[:, : img.width // 2, 3] = 60  # translucent left half: alpha must be dropped, not composited
            img = Image.fromarray(a, "RGBA")
        img.save(out / name, **kw)
        manifest["raster"].append(raster_entry(out, name, "tiff", tolerance, 0, orientation, name))
    grey16 = Image.fromarray((np.asarray(base.convert("L")).astype(np.uint16) * 2).astype(np.uint16))
    grey16.save(out / "grey16.tif", compression="tiff_lzw")
    manifest["raster"].append(raster_entry(out, "grey16.tif", "tiff", 0, 0, 1, "16-bit grey: PIL clips to 255"))
    (out / "rgb16.tif").write_bytes(tiff16_rgb(base))
    manifest["raster"].append(raster_entry(out, "rgb16.tif", "tiff", 0, 0, 1, "16-bit RGB: PIL keeps the high byte"))

    # ---- HEIC/AVIF taken rotated: stored sideways + EXIF 6; the encoders write irot as well.
    photo = note(96, 64, ["photo of", "a note"], seed=7)
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = photo.transpose(Image.Transpose.ROTATE_90)  # what the sensor stored
    sideways.save(out / "rotated.heic", exif=exif.tobytes(), quality=92)
    manifest["raster"].append(raster_entry(out, "rotated.heic", "heif", 1, 0, 1, "HEIC with irot + EXIF 6; libheif 1.15 vs pillow-heif's 1.x: 25 bytes off by 1"))
    sideways.save(out / "rotated.avif", exif=exif.tobytes(), quality=92)
    # Pillow reads AVIF with libavif (libyuv's YUV->RGB), scrawl with libheif (its own conversion and
    # chroma upsampling): edges of strokes differ, the picture does not (mean difference bounded).
    manifest["raster"].append(raster_entry(out, "rotated.avif", "heif", 64, 0, 1, "AVIF with irot + EXIF 6; libavif vs libheif colour conversion", 3.0))

    # ---- WebP variants.
    web = note(64, 48, ["webp", "note"], seed=8)
    alpha = web.convert("RGBA")
    a = np.asarray(alpha).copy()
    a[:, :20, 3] = 0
    a[:, 20:40, 3] = 128
    alpha = Image.fromarray(a, "RGBA")
    web.save(out / "lossy.webp", quality=80)
    web.save(out / "lossless.webp", lossless=True)
    alpha.save(out / "lossy-alpha.webp", quality=80)
    alpha.save(out / "lossless-alpha.webp", lossless=True, exact=True)
    frames = [note(64, 48, [f"frame {k}"], seed=9 + k) for k in range(3)]
    frames[0].save(out / "animated.webp", save_all=True, append_images=frames[1:], duration=200, loop=0, lossless=True)
    web.save(out / "cwebp-source.png")
    subprocess.run(["cwebp", "-quiet", "-q", "75", str(out / "cwebp-source.png"), "-o", str(out / "cwebp.webp")], check=True)
    (out / "cwebp-source.png").unlink()
    for name, tolerance, why in [("lossy.webp", 0, "lossy"), ("lossless.webp", 0, "lossless"),
                                 ("lossy-alpha.webp", 0, "lossy + alpha (dropped, not composited)"),
                                 ("lossless-alpha.webp", 0, "lossless + alpha, exact RGB under alpha 0"),
                                 ("animated.webp", 0, "animated: first frame"), ("cwebp.webp", 0, "cwebp -q 75")]:
        manifest["raster"].append(raster_entry(out, name, "webp", tolerance, 0, 1, why))

    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(manifest['pdf'])} PDFs, {len(manifest['raster'])} raster pages, {total} bytes in {out}")


if __name__ == "__main__":
    main()
