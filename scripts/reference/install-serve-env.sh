#!/usr/bin/env bash
# Makes the CPU-only reference environment the remote-engine end-to-end tests run `transformers
# serve` from (scripts/reference/serve_openai.py): torch+cpu, transformers 4.57.6 with its serving
# extras (fastapi, uvicorn, openai), Pillow 13, accelerate. No torchvision (see README.md here).
# Usage: scripts/reference/install-serve-env.sh DIR   → DIR/bin/python (SCRAWL_REFERENCE_PYTHON)
# A few minutes on a fresh machine (torch+cpu is ~200 MB); nothing is done when DIR already has it.
set -euo pipefail
dir=${1:?usage: install-serve-env.sh DIR}
if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import transformers, fastapi, uvicorn, openai, accelerate" 2>/dev/null; then
  echo "install-serve-env: $dir is ready"
  exit 0
fi
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv
fi
python3 -m venv "$dir"
packages=("torch==2.13.0+cpu" "transformers[serving]==4.57.6" "pillow==13.0.0" safetensors tokenizers numpy accelerate)
# PyPI first (where it carries the CPU build, as on the project machines); else PyTorch's CPU index.
"$dir/bin/pip" install -q "${packages[@]}" \
  || "$dir/bin/pip" install -q --extra-index-url https://download.pytorch.org/whl/cpu "${packages[@]}"
echo "install-serve-env: $dir ready"
