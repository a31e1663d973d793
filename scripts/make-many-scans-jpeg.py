#!/usr/bin/env python3
"""Writes Tests/Fixtures/jpeg-scans/896-scans.jpg: a valid progressive JPEG (8 x 8, one grey
component) with 896 scans, past libjpeg-turbo's 500-scan limit (TJFLAG_LIMITSCANS).

jpegtran -scans takes at most 100 scans, so the bytes are written by hand. The picture is flat grey:
every coefficient is zero, so each scan's entropy-coded data is one bit for the one block (a one-symbol
Huffman table: code '0' for DC difference 0 / for EOB) padded with 1s (0x7F). The progression is
legal, so libjpeg decodes it without warnings when the limit is off:
  DC first scan (Al = 13), 13 DC refinement scans (Ah = a, Al = a - 1), then for each AC coefficient
  k = 1 … 63 a first scan (Ss = Se = k, Al = 13) and its 13 refinement scans: 1 + 13 + 63 × 14 = 896.
Standard library only: python3 scripts/make-many-scans-jpeg.py
"""
import os
import struct

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "jpeg-scans", "896-scans.jpg"))


def segment(marker, payload):
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def huffman_table(table_class, table_id):
    counts = bytes([1] + [0] * 15)  # one code of length 1 ('0') ...
    return bytes([(table_class << 4) | table_id]) + counts + bytes([0x00])  # ... for symbol 0


def scan(ss, se, ah, al):
    header = bytes([1, 1, 0x00, ss, se, (ah << 4) | al])  # one component (id 1), DC table 0, AC table 0
    return segment(0xDA, header) + bytes([0x7F])


def main():
    data = b"\xFF\xD8"
    data += segment(0xDB, bytes([0x00]) + bytes([1] * 64))  # quantisation table 0, all ones
    data += segment(0xC2, struct.pack(">BHHB", 8, 8, 8, 1) + bytes([1, 0x11, 0]))  # SOF2, 8 x 8, grey
    data += segment(0xC4, huffman_table(0, 0) + huffman_table(1, 0))
    scans = [scan(0, 0, 0, 13)] + [scan(0, 0, a, a - 1) for a in range(13, 0, -1)]
    for k in range(1, 64):
        scans.append(scan(k, k, 0, 13))
        scans += [scan(k, k, a, a - 1) for a in range(13, 0, -1)]
    data += b"".join(scans) + b"\xFF\xD9"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(data)
    print(f"{OUT}: {len(scans)} scans, {len(data)} bytes")


if __name__ == "__main__":
    main()
