#!/usr/bin/env python3
"""Build the Aya Vision parity fixtures in Tests/Fixtures/aya/ (NOT run by CI).

What it makes
-------------
Tiny random `AyaVisionForConditionalGeneration` checkpoints built by the REAL reference classes
(transformers 4.57.6: SigLIP vision tower, pixel-shuffle + SwiGLU projector, Cohere2 language model)
with the tiny Aya tokenizer made by scripts/reference/make_aya_tokenizer.py, saved the way the hub
saves them, plus golden outputs computed by the reference code in float32:

  Tests/Fixtures/aya/
    tiny-f32/     float32 weights, several shards + model.safetensors.index.json, the weight names
                  `save_pretrained` writes in 4.57.6 (it reverses `_checkpoint_conversion_mapping`, so
                  they are the hub names `language_model.model.*`, `vision_tower.vision_model.*`,
                  `multi_modal_projector.*`); tied embeddings (no lm_head); config.json with the
                  `layer_types` list that 4.57.6 writes.
    tiny-bf16/    the SAME weights rounded to bfloat16, ONE `model.safetensors`, renamed to the in-memory
                  layout of transformers >= 4.52 (`model.language_model.*`, `model.vision_tower.*`,
                  `model.multi_modal_projector.*`); config.json WITHOUT `layer_types` but with the hub's
                  `sliding_window_pattern` (4), so the loader's fallback is exercised.
    images/       the test images (PNG, drawn text + noise) and <name>.rgb, the raw RGB8 pixels
                  (row-major, 3 bytes a pixel) that transformers.image_utils.load_image gives for them.
    golden/<case>.json      + <case>.pixels.f32 (pixel_values, [tiles,3,H,W] little-endian f32)
                            + <case>.logits.f32 (first-step logits, full vocab row, f32)
    preprocess364/          the real tile size (364, max 12 tiles): a table of image sizes -> tile grid,
                            and the uint8 tiles (before rescale/normalise) of one real-size image.

Every special-token id is read from the tokenizer files. Generation goldens are a manual greedy loop
(argmax of the raw logits, EOS NOT treated specially: "ignore EOS"), with the KV cache of the reference
(DynamicCache with sliding-window layers); the script checks the cached steps against one full forward
pass without cache over prompt + generated ids.

How to run
----------
    $REFENV/bin/python scripts/reference/make_aya_fixtures.py \
        [--tokenizer Tests/Fixtures/tokenizers/aya-tiny] [--out Tests/Fixtures/aya]

Deterministic (fixed seeds). Needs torch 2.13 CPU, transformers 4.57.6, Pillow, numpy, safetensors
(see scripts/reference/README.md for the venv). torchvision is not needed: the slow (PIL)
GotOcr2ImageProcessor is used.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from safetensors.torch import load_file, save_file
from transformers import (AutoTokenizer, AyaVisionConfig, AyaVisionForConditionalGeneration,
                          AyaVisionProcessor, Cohere2Config, GotOcr2ImageProcessor, SiglipVisionConfig)
from transformers.image_utils import load_image
from transformers.models.got_ocr2.image_processing_got_ocr2 import get_optimal_tiled_canvas

REPO = Path(__file__).resolve().parents[2]
torch.set_num_threads(2)

# ---------------------------------------------------------------------------------------------
# Shapes. Tile 84 px = 6x6 SigLIP patches of 14 px; pixel shuffle by 2 -> 3x3 = 9 tokens per tile.
TILE = 84
PATCH = 14
DOWNSAMPLE = 2
MEAN = [0.5, 0.5, 0.5]          # SigLIP normalisation (what Aya Vision's preprocessor uses)
STD = [0.5, 0.5, 0.5]
SLIDING_WINDOW = 8              # shorter than every prompt, so the sliding mask matters
LOGIT_SCALE = 0.25              # != 1: AyaVisionForConditionalGeneration in 4.57.6 does NOT apply it
PROMPT = "OCR the Image"
NEW_TOKENS = 32

CASES = [
    # name, image file, checkpoint, prompt
    ("one-tile", "one-tile.png", "tiny-f32", PROMPT),
    ("wide-2x1", "wide-2x1.png", "tiny-f32", PROMPT),
    ("portrait-3x4", "portrait-3x4.png", "tiny-f32", "Lies den Text: äöü ß — 日本語"),
    ("wide-2x1-bf16", "wide-2x1.png", "tiny-bf16", PROMPT),
    ("one-tile-bf16", "one-tile.png", "tiny-bf16", "Read it."),
]


def make_images(folder: Path) -> None:
    """Small images with drawn text and noise; sizes chosen for the 84-px tile grid."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    font = ImageFont.load_default()
    specs = {
        "one-tile.png": (66, 60),        # aspect 1.1 -> grid 1x1, no thumbnail (70x60 would tie 1x1 with 4x3)
        "wide-2x1.png": (200, 96),       # aspect 2.08 -> grid 2x1 (+ thumbnail) = 3 tiles
        "portrait-3x4.png": (300, 400),  # aspect 0.75 -> grid 3 columns x 4 rows (+ thumbnail) = 13 tiles
    }
    for name, (w, h) in specs.items():
        noise = rng.integers(150, 256, size=(h, w, 3), dtype=np.uint8)
        img = Image.fromarray(noise, "RGB")
        draw = ImageDraw.Draw(img)
        for row, text in enumerate(["Milk, eggs", "call Ana 3pm", "Übung 42", "x = y + 7"]):
            draw.text((4 + 3 * row, 4 + row * max(12, h // 5)), text, fill=(20 + 30 * row, 10, 60), font=font)
        draw.line((0, h - 1, w - 1, 0), fill=(200, 30, 30), width=2)
        img.save(folder / name)
        write_rgb(folder / name)


def write_rgb(path: Path) -> None:
    """Raw RGB8 of an image as the reference loads it, so pixel tests do not depend on a decoder."""
    np.asarray(load_image(str(path)), dtype=np.uint8).tofile(path.with_suffix(".rgb"))


# ---------------------------------------------------------------------------------------------
def build_config(tok) -> AyaVisionConfig:
    image_token = "<|IMG_PATCH|>"
    image_token_id = tok.convert_tokens_to_ids(image_token)
    if image_token_id is None or image_token_id == tok.unk_token_id:
        sys.exit(f"tokenizer has no {image_token}")
    vocab = len(tok)
    vision = SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                                patch_size=PATCH, image_size=TILE, vision_use_head=False, layer_norm_eps=1e-6,
                                hidden_act="gelu_pytorch_tanh")
    text = Cohere2Config(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, logit_scale=LOGIT_SCALE,
                         max_position_embeddings=4096, layer_norm_eps=1e-5, rope_theta=50000.0,
                         sliding_window=SLIDING_WINDOW, sliding_window_pattern=4,
                         pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                         eos_token_id=tok.eos_token_id, tie_word_embeddings=True)
    cfg = AyaVisionConfig(vision_config=vision, text_config=text, downsample_factor=DOWNSAMPLE,
                          adapter_layer_norm_eps=1e-6, image_token_index=image_token_id,
                          vision_feature_layer=-1, vision_feature_select_strategy="full",
                          alignment_intermediate_size=96, tie_word_embeddings=True)
    return cfg


@torch.no_grad()
def scaled_init(model: torch.nn.Module, seed: int) -> None:
    """Replace the tiny std-0.02 init with one where the model, not rounding, decides the argmax."""
    g = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        if name.endswith("embed_tokens.weight"):
            # Tied with the head. Smaller than the layer outputs, so the residual stream is not just the
            # current token's embedding (which makes greedy decoding repeat one token forever).
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
        elif name.endswith("position_embedding.weight"):
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
        elif "norm" in name and name.endswith("weight"):
            p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
        elif name.endswith("bias"):
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        elif p.dim() >= 2:
            fan_in = int(np.prod(p.shape[1:]))
            gain = 4.0 if name.endswith(("o_proj.weight", "down_proj.weight")) else 1.0
            p.copy_(gain * torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
        else:
            p.copy_(0.1 * torch.randn(p.shape, generator=g))


def make_processor(tok, tile: int) -> AyaVisionProcessor:
    ip = GotOcr2ImageProcessor(size={"height": tile, "width": tile}, crop_to_patches=True, min_patches=1,
                               max_patches=12, image_mean=MEAN, image_std=STD, do_convert_rgb=True)
    return AyaVisionProcessor(image_processor=ip, tokenizer=tok, patch_size=PATCH * DOWNSAMPLE, img_size=tile,
                              downsample_factor=1, chat_template=tok.chat_template)


# ---------------------------------------------------------------------------------------------
def write_f32(path: Path, array) -> None:
    np.ascontiguousarray(np.asarray(array, dtype="<f4")).tofile(path)


def rename_to_new_layout(key: str) -> str:
    for old, new in (("language_model.model.", "model.language_model."),
                     ("vision_tower.", "model.vision_tower."),
                     ("multi_modal_projector.", "model.multi_modal_projector."),
                     ("language_model.lm_head.", "lm_head.")):
        if key.startswith(old):
            return new + key[len(old):]
    raise KeyError(f"unexpected weight name {key}")


def save_checkpoints(model, proc, out: Path) -> None:
    f32 = out / "tiny-f32"
    bf16 = out / "tiny-bf16"
    for d in (f32, bf16):
        shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(f32, safe_serialization=True, max_shard_size="600KB")
    proc.save_pretrained(f32)
    shards = sorted(p.name for p in f32.glob("*.safetensors"))
    if len(shards) < 2:
        sys.exit(f"expected several shards, got {shards}")

    # bf16 copy: same weights rounded, one file, new weight-name layout, config without layer_types.
    bf16.mkdir(parents=True)
    state = {}
    for shard in shards:
        for k, v in load_file(f32 / shard).items():
            state[rename_to_new_layout(k)] = v.to(torch.bfloat16).contiguous()
    save_file(state, bf16 / "model.safetensors", metadata={"format": "pt"})
    for name in os.listdir(f32):
        if name.endswith(".safetensors") or name.endswith(".index.json") or name == "config.json":
            continue
        shutil.copy(f32 / name, bf16 / name)
    cfg = json.loads((f32 / "config.json").read_text())
    cfg["dtype"] = "bfloat16"
    cfg["text_config"].pop("layer_types", None)
    cfg["text_config"]["sliding_window_pattern"] = 4
    (bf16 / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def load_reference(ckpt: Path) -> AyaVisionForConditionalGeneration:
    m = AyaVisionForConditionalGeneration.from_pretrained(ckpt, dtype=torch.float32)
    m.eval()
    return m


# ---------------------------------------------------------------------------------------------
def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(x.float(), dim=-1)


@torch.no_grad()
def run_case(model, proc, tok, image_path: Path, prompt: str) -> dict:
    image = load_image(str(image_path))
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    text = proc.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    # apply_chat_template(tokenize=True) passes add_special_tokens=False when the text starts with BOS.
    inputs = proc(images=[image], text=text, add_special_tokens=False, return_tensors="pt")
    ids = inputs["input_ids"]
    pixel_values = inputs["pixel_values"].float()
    # Cross-check against the processor's own tokenize=True path.
    conv = [{"role": "user", "content": [{"type": "image", "path": str(image_path)}, {"type": "text", "text": prompt}]}]
    via_template = proc.apply_chat_template(conv, add_generation_prompt=True, tokenize=True, return_dict=True,
                                            return_tensors="pt")
    assert torch.equal(via_template["input_ids"], ids), "prompt ids differ between the two processor paths"
    assert torch.equal(via_template["pixel_values"].float(), pixel_values), "pixels differ between the two paths"

    out = model(input_ids=ids, pixel_values=pixel_values, use_cache=True)
    first_logits = out.logits[0, -1].float()
    past = out.past_key_values
    logits = first_logits
    generated, chosen_lp, top5_ids, top5_lp, gaps = [], [], [], [], []
    for step in range(NEW_TOKENS):
        lp = log_softmax(logits)
        top = torch.topk(logits, 5)
        nxt = int(top.indices[0])
        generated.append(nxt)
        chosen_lp.append(float(lp[nxt]))
        top5_ids.append([int(i) for i in top.indices])
        top5_lp.append([float(lp[i]) for i in top.indices])
        gaps.append(float(top.values[0] - top.values[1]))
        if step + 1 == NEW_TOKENS:
            break
        out = model(input_ids=torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[0, -1].float()

    # The cached loop must agree with one pass over the whole sequence without a cache.
    full_ids = torch.cat([ids, torch.tensor([generated[:-1]])], dim=1)
    full = model(input_ids=full_ids, pixel_values=pixel_values, use_cache=False).logits[0].float()
    p = ids.shape[1]
    full_choice = [int(full[p - 1 + s].argmax()) for s in range(NEW_TOKENS)]
    assert full_choice == generated, f"cached greedy {generated} != uncached {full_choice}"
    assert torch.allclose(full[p - 1], first_logits, atol=1e-4), "first-step logits differ without cache"

    # The vision features the LM sees (after projector), for diagnostics of a Swift mismatch.
    feats = model.model.get_image_features(pixel_values=pixel_values)
    # vision_feature_layer -1 is the last encoder layer's output WITHOUT SigLIP's post_layernorm.
    vm = model.model.vision_tower.vision_model
    h = vm.embeddings(pixel_values)
    for layer in vm.encoder.layers:
        h = layer(h, None)
    assert torch.equal(model.model.multi_modal_projector(h), feats), "vision features are not pre-post_layernorm"
    max_abs = float(first_logits.abs().max())
    return {
        "text": text,
        "prompt_ids": [int(i) for i in ids[0]],
        "pixel_values": pixel_values[:].numpy(),
        "num_tiles": int(pixel_values.shape[0]),
        "first_logits": first_logits.numpy(),
        "first_logits_max_abs": max_abs,
        "generated_ids": generated,
        "chosen_logprobs": chosen_lp,
        "top5_ids": top5_ids,
        "top5_logprobs": top5_lp,
        "top1_top2_gaps": gaps,
        "image_features_shape": list(feats.shape),
        "image_features_checksum": {"sum": float(feats.double().sum()), "abs_sum": float(feats.double().abs().sum())},
    }


def grid_table(tile: int, max_tiles: int) -> list[dict]:
    sizes = [(1, 1), (20, 30), (70, 60), (84, 84), (200, 96), (300, 400), (364, 364), (380, 1100), (1100, 380),
             (480, 640), (640, 480), (720, 1280), (1280, 720), (1000, 1000), (1414, 1000), (1000, 1414),
             (3000, 4000), (4000, 3000), (100, 2000), (2000, 100), (500, 30), (30, 500), (800, 200), (728, 364),
             (364, 728), (1092, 364), (999, 1001), (2480, 3508), (3508, 2480), (1700, 2200), (600, 300)]
    rows = []
    for w, h in sizes:
        cols, rws = get_optimal_tiled_canvas((h, w), (tile, tile), 1, max_tiles)
        n = cols * rws
        rows.append({"width": w, "height": h, "columns": cols, "rows": rws, "tiles": n + (1 if n > 1 else 0)})
    return rows


def make_preprocess364(tok, folder: Path, images: Path) -> None:
    """Real tile size: grid table + uint8 tiles of one 2x1 image (before rescale/normalise)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    proc = make_processor(tok, 364)
    img = load_image(str(images / "wide-2x1.png"))
    big = img.resize((600, 300), Image.NEAREST)  # an upscaled, blocky source makes the resize work
    big.save(folder / "wide-600x300.png")
    write_rgb(folder / "wide-600x300.png")
    src = load_image(str(folder / "wide-600x300.png"))
    ip = proc.image_processor
    tiles_u8 = ip.preprocess([src], do_rescale=False, do_normalize=False, crop_to_patches=True,
                             return_tensors="np")["pixel_values"].astype(np.uint8)
    full = ip.preprocess([src], crop_to_patches=True, return_tensors="np")["pixel_values"]
    tiles_u8.tofile(folder / "wide-600x300.tiles.u8")
    cohere = cohere_prompt_ids(src)
    (folder / "golden.json").write_text(json.dumps({
        **cohere,
        "image": "wide-600x300.png", "tile_size": 364, "min_tiles": 1, "max_tiles": 12,
        "tiles_shape": list(tiles_u8.shape), "tiles_file": "wide-600x300.tiles.u8",
        "tiles_dtype": "uint8, [tiles, 3, H, W], before rescale and normalise",
        "normalized_checksum": {"sum": float(full.astype(np.float64).sum()),
                                "abs_sum": float(np.abs(full.astype(np.float64)).sum())},
        "mean": MEAN, "std": STD,
        "grid_table": grid_table(364, 12),
        "tokens_per_tile": (364 // 28) ** 2,
    }, indent=1, ensure_ascii=False) + "\n")


COHERE_TOKENIZER = Path(__file__).resolve().parents[3] / "shared" / "tokenizers" / "cohere"  # ../shared beside the repository
COHERE_PROMPT = "Lies den Text: äöü ß — 日本語"


def cohere_prompt_ids(image) -> dict:
    """Prompt ids of the real-size processor with the (reconstructed, CC-BY-NC) Cohere tokenizer.

    Only ids are written (never the tokenizer); a Swift test compares them when the tokenizer folder
    is present. Checks the 255k-vocabulary special ids and the BPE of the TILE_i markers."""
    if not COHERE_TOKENIZER.exists():
        return {}
    tok = AutoTokenizer.from_pretrained(str(COHERE_TOKENIZER))
    proc = make_processor(tok, 364)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": COHERE_PROMPT}]}]
    text = proc.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    ids = proc(images=[image], text=text, add_special_tokens=False)["input_ids"][0]
    return {"cohere_prompt": COHERE_PROMPT, "cohere_prompt_ids": [int(i) for i in ids]}


# ---------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenizer", default=str(REPO / "Tests/Fixtures/tokenizers/aya-tiny"))
    ap.add_argument("--out", default=str(REPO / "Tests/Fixtures/aya"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    tok = AutoTokenizer.from_pretrained(args.tokenizer)
    if tok.chat_template is None:
        sys.exit(f"{args.tokenizer}: no chat template")
    cfg = build_config(tok)
    torch.manual_seed(0)
    model = AyaVisionForConditionalGeneration(cfg).eval()
    scaled_init(model, seed=1234)
    proc = make_processor(tok, TILE)

    make_images(out / "images")
    save_checkpoints(model, proc, out)
    make_preprocess364(tok, out / "preprocess364", out / "images")

    golden = out / "golden"
    shutil.rmtree(golden, ignore_errors=True)
    golden.mkdir()
    summary = []
    for name, image, ckpt, prompt in CASES:
        ref = load_reference(out / ckpt)
        ckpt_proc = AyaVisionProcessor.from_pretrained(out / ckpt)
        r = run_case(ref, ckpt_proc, tok, out / "images" / image, prompt)
        if ckpt == "tiny-f32":
            # The in-memory model and the re-loaded checkpoint must agree exactly.
            r0 = run_case(model, proc, tok, out / "images" / image, prompt)
            assert r0["generated_ids"] == r["generated_ids"]
            assert np.array_equal(r0["first_logits"], r["first_logits"]), "reloaded f32 checkpoint differs"
        write_f32(golden / f"{name}.pixels.f32", r.pop("pixel_values"))
        write_f32(golden / f"{name}.logits.f32", r.pop("first_logits"))
        r.update({
            "case": name, "image": f"images/{image}", "checkpoint": ckpt, "prompt": prompt,
            "compute_dtype": "float32", "pixels_file": f"{name}.pixels.f32", "logits_file": f"{name}.logits.f32",
            "pixel_values_shape": [r["num_tiles"], 3, TILE, TILE], "vocab_size": cfg.text_config.vocab_size,
            "new_tokens": NEW_TOKENS, "eos_handling": "ignored (pure argmax of raw logits for every step)",
            "logit_scale_in_config": LOGIT_SCALE, "logit_scale_applied_by_reference": False,
            "image_token_id": cfg.image_token_index, "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
        })
        (golden / f"{name}.json").write_text(json.dumps(r, indent=1, ensure_ascii=False) + "\n")
        gaps = np.array(r["top1_top2_gaps"])
        summary.append(f"{name}: tiles={r['num_tiles']} prompt={len(r['prompt_ids'])} "
                       f"max|logit|={r['first_logits_max_abs']:.2f} min gap={gaps.min():.4f} "
                       f"median gap={np.median(gaps):.3f} ids={r['generated_ids'][:8]}...")
    (out / "grid84.json").write_text(json.dumps(grid_table(TILE, 12), indent=1) + "\n")
    print("\n".join(summary))
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"fixtures: {total / 1e6:.2f} MB in {out}")


if __name__ == "__main__":
    main()
