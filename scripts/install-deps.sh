#!/usr/bin/env bash
# Installs the Debian 12 packages scrawl builds and runs against (needs root or sudo).
# The Swift 6 toolchain itself is not a Debian package: install it from swift.org first
# (https://www.swift.org/install/linux/) so that `swift` is on PATH.
set -euo pipefail
packages=(
  pkg-config
  libopenblas-dev                       # GEMM/GEMV for the model
  libjpeg-dev libturbojpeg0-dev         # JPEG decoding (TurboJPEG API: errors are return codes)
  libpng-dev libgif-dev                 # PNG, GIF
  libsqlite3-dev sqlite3                # catalog + FTS5 search index
  libtiff-dev                           # TIFF scans, every page (CCITT G3/G4 fax, LZW, Deflate, JPEG…)
  libheif-examples                      # HEIC/HEIF/AVIF: heif-info/heif-convert, run as limited child processes (never linked: see README)
  libwebp-dev                           # WebP (libwebp + libwebpdemux)
  poppler-utils                         # PDF: pdfinfo/pdftoppm/pdftotext, run as limited child processes (GPL: never linked)
  util-linux                            # prlimit: sets the renderer children's memory and CPU limits
  libinotifytools0-dev                  # listed by the product card; the watcher uses raw inotify (README)
  systemd                               # systemd-analyze, to check the unit file
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all Debian packages already installed"
else
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "install-deps: swift not found on PATH: install Swift 6 from swift.org" >&2; exit 1; }
