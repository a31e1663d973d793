"""Write a full-size RANDOM Qwen2-VL-2B checkpoint for benchmarks (never committed).

Same shapes and file layout as Qwen/Qwen2-VL-2B-Instruct (reference notes §1.1, §2): 729 tensors,
2,208,985,600 parameters, bf16, two shards (`model-0000{1,2}-of-00002.safetensors` + index, legacy
weight names, no lm_head.weight: tied), the published flat config.json schema, the real Qwen2 tokenizer
files, chat_template.json, generation_config.json and preprocessor_config.json. The weights are the
deterministic scaled random init of qwen2vl_common.scaled_init_ (seed 2), so the work per token is
exactly the real model's; the text it produces is noise.

Also writes the benchmark page: a 1000×1000 PNG of drawn text on white (→ 1008×1008, 1296 image
tokens with the real preprocessor settings).

Run (once; ~2–5 minutes on 2 cores, ~10 GB peak memory, 4.4 GB on disk):
    $REFENV/bin/python scripts/reference/make_fullsize_qwen2vl.py \
        [--out $BENCH/qwen2vl-2b-random] [--image-out $BENCH/page1000.png]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont
from transformers import GenerationConfig, Qwen2VLConfig, Qwen2VLForConditionalGeneration

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qwen2vl_common import (  # noqa: E402
    GENERATION_CONFIG,
    SPECIAL_TOKEN_IDS,
    copy_tokenizer_files,
    scaled_init_,
    write_json,
    write_preprocessor_config,
)

SEED = 2
EXPECTED_PARAMS = 2_208_985_600

# Qwen2-VL-2B-Instruct config.json, published flat schema (reference notes §1.1).
REAL_CONFIG = {
    "architectures": ["Qwen2VLForConditionalGeneration"],
    "attention_dropout": 0.0,
    **SPECIAL_TOKEN_IDS,
    "hidden_act": "silu",
    "hidden_size": 1536,
    "initializer_range": 0.02,
    "intermediate_size": 8960,
    "max_position_embeddings": 32768,
    "max_window_layers": 28,
    "model_type": "qwen2_vl",
    "num_attention_heads": 12,
    "num_hidden_layers": 28,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "sliding_window": 32768,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.45.0",
    "use_cache": True,
    "use_sliding_window": False,
    "vision_config": {
        "depth": 32,
        "embed_dim": 1280,
        "mlp_ratio": 4,
        "num_heads": 16,
        "in_chans": 3,
        "hidden_size": 1536,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "spatial_patch_size": 14,
        "temporal_patch_size": 2,
    },
    "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
    "vocab_size": 151936,
}

PAGE_TEXT = [
    "Shopping list, Tuesday 14 March",
    "- 2 litres of milk, oat if they have it",
    "- bread (the dark one), butter, 6 eggs",
    "- call the plumber about the kitchen tap",
    "Meeting notes: budget review moved to",
    "Thursday 10:30, room 4.12. Bring the Q3",
    "numbers and the draft for the new invoice",
    "layout. Ask Anna about the Munich trip.",
    "Phone: +49 89 1234 5678   Ref. 2026/0815",
    "Remember: the library books are due on",
    "the 21st. Renew online or return them.",
    "Ideas: garden bench, paint the fence,",
    "new light in the hallway, fix the bike.",
]


def make_page(path: Path) -> None:
    img = Image.new("RGB", (1000, 1000), (255, 255, 255))
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=34)
    except (TypeError, OSError):
        font = ImageFont.load_default()
    for i, line in enumerate(PAGE_TEXT):
        d.text((40, 40 + 72 * i), line, fill=(25, 25, 60), font=font)
    d.line([(40, 990 - 30), (960, 990 - 30)], fill=(180, 0, 0), width=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("$BENCH/qwen2vl-2b-random"))
    ap.add_argument("--image-out", type=Path, default=Path("$BENCH/page1000.png"))
    args = ap.parse_args()
    torch.set_num_threads(2)

    make_page(args.image_out)
    print(f"wrote {args.image_out}")

    # deepcopy: Qwen2VLConfig rewrites rope_scaling in place ("mrope" → "default", adds rope_type), and
    # config.json must keep the published spelling.
    config = Qwen2VLConfig(**copy.deepcopy({k: v for k, v in REAL_CONFIG.items() if k not in ("torch_dtype", "transformers_version")}))
    torch.set_default_dtype(torch.bfloat16)  # build directly in bf16: 4.4 GB instead of 8.8 GB
    model = Qwen2VLForConditionalGeneration(config)
    torch.set_default_dtype(torch.float32)
    n = sum(p.numel() for p in model.parameters())
    if n != EXPECTED_PARAMS:
        raise RuntimeError(f"parameter count {n:,} != {EXPECTED_PARAMS:,}: config does not match Qwen2-VL-2B")
    scaled_init_(model, SEED)
    model.generation_config = GenerationConfig(**GENERATION_CONFIG)

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True, max_shard_size="4GB")
    index = json.loads((args.out / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    if len(shards) != 2 or len(index["weight_map"]) != 729 or "lm_head.weight" in index["weight_map"]:
        raise RuntimeError(f"unexpected layout: {len(shards)} shards, {len(index['weight_map'])} tensors")
    write_json(args.out / "config.json", REAL_CONFIG)  # the published flat schema, not 4.57's nested one
    copy_tokenizer_files(args.out)
    write_preprocessor_config(args.out)
    for f in sorted(args.out.iterdir()):
        print(f"{f.stat().st_size:>14,}  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
