"""Copy a safetensors checkpoint directory with its floating-point weights cast to another dtype.

For benchmarks: the full-size random Qwen2-VL-2B (make_fullsize_qwen2vl.py, bf16) as float16, so the
same weights can be timed in both element types. Every bf16 value of that checkpoint is exactly
representable in f16 (|w| within f16's normal range, 8 significant bits ≤ 11); the script checks that
no value overflowed and reports how many changed on the way.

Run (once; ~1–2 minutes, ~5 GB peak memory):
    $REFENV/bin/python scripts/reference/convert_checkpoint_dtype.py \
        --src $BENCH/qwen2vl-2b-random --out $BENCH/qwen2vl-2b-random-f16 --dtype f16
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

DTYPES = {"f16": (torch.float16, "float16"), "bf16": (torch.bfloat16, "bfloat16"), "f32": (torch.float32, "float32")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f16")
    args = ap.parse_args()
    dtype, name = DTYPES[args.dtype]
    args.out.mkdir(parents=True, exist_ok=True)
    changed = total = 0
    for f in sorted(args.src.iterdir()):
        if f.suffix == ".safetensors":
            tensors = load_file(f)
            out = {}
            for key, t in tensors.items():
                if t.is_floating_point():
                    c = t.to(dtype)
                    if not torch.isfinite(c).all() and torch.isfinite(t).all():
                        raise RuntimeError(f"{f.name}: {key} overflows {name}")
                    changed += int((c.to(torch.float32) != t.to(torch.float32)).sum())
                    total += t.numel()
                    out[key] = c.contiguous()
                else:
                    out[key] = t
            save_file(out, args.out / f.name, metadata={"format": "pt"})
            print(f"wrote {args.out / f.name}")
        elif f.name == "config.json":
            config = json.loads(f.read_text())
            config["torch_dtype"] = name
            (args.out / f.name).write_text(json.dumps(config, indent=2) + "\n")
        elif f.is_file():
            shutil.copy2(f, args.out / f.name)
    print(f"{total:,} values cast to {name}; {changed:,} changed value")
    return 0


if __name__ == "__main__":
    sys.exit(main())
