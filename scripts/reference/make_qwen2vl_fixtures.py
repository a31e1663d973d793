"""Make the Qwen2-VL parity fixtures under Tests/Fixtures/qwen2vl/ (not run by CI).

What it makes (all deterministic: fixed seeds, fixed drawing code):
  images/        small test scans drawn with PIL (tiny, tall, wide, large, EXIF-rotated JPEG, RGBA PNG,
                 palette GIF, grey PNG, 16-bit grey PNG)
  tiny-f32/      a tiny random Qwen2VLForConditionalGeneration built by transformers 4.57.6 from the real
                 classes, float32, saved by `save_pretrained` as one model.safetensors (legacy weight names
                 `model.layers…`, `visual.…`; tied embeddings, so no lm_head.weight), with the real Qwen2
                 tokenizer files, chat_template.json, generation_config.json and preprocessor_config.json.
  tiny-bf16/     the SAME weights rounded to bfloat16, saved by `save_pretrained` as two shards + index,
                 then renamed to the transformers-4.52 layout (`model.language_model.…`, `model.visual.…`);
                 its config.json is rewritten in the flat legacy schema with a sparse vision_config (only
                 non-default keys, like the OCR fine-tune) and rope_scaling type "mrope".
  golden/        one JSON per case (+ raw little-endian float32 <case>.pixels.f32 and <case>.logits.f32):
                 reference preprocessing, prompt ids, rope_delta, first-step logits, 32 greedy tokens with
                 per-step top-5 log-probabilities. See Tests/Fixtures/qwen2vl/README.md for every field.

Reference path (as the seed demo): transformers.image_utils.load_image(path) (EXIF transpose + RGB) →
slow Qwen2VLImageProcessor (PIL bicubic) → chat template with one user turn [image, text] and
add_generation_prompt=True → Qwen2VLForConditionalGeneration loaded back from the saved directory with
from_pretrained(dtype=torch.float32) (bf16 weights are upcast; all compute is float32) →
generate(do_sample=False, max_new_tokens=32, min_new_tokens=32): greedy, with both EOS ids (151645,
151643) suppressed by min_new_tokens so 32 tokens always come out.

Checks it asserts before writing anything it reports:
  - re-loaded weights equal the in-memory ones bit for bit (f32; bf16 = the f32 weights rounded);
  - the bf16 directory loads with no missing/unexpected keys despite the renamed keys, shards and
    sparse vision_config;
  - generate()'s ids equal a cache-free greedy loop (full recompute every step) and its logits agree;
  - the first-step logits of generate() equal a plain forward, and an eager-attention load of the
    same checkpoint (the explicit-softmax path an engine implements) agrees within 1e-5 relative;
  - the tokenizer in each checkpoint gives the reference notes' §6.2 check vector;
  - the bf16 config.json (flat, sparse vision_config) resolves to the same shapes as the f32 one.
It also records "ablations": what the goldens would show if an engine got M-RoPE positions wrong.

Run (3–10 minutes on 2 shared cores; the ablations dominate):
    $REFENV/bin/python scripts/reference/make_qwen2vl_fixtures.py
The environment is described in scripts/reference/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import PIL
import safetensors
import torch
import transformers
from PIL import Image, ImageDraw, ImageFont
from safetensors.torch import load_file, save_file
from transformers import (
    AutoTokenizer,
    GenerationConfig,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
)
from transformers.image_utils import load_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qwen2vl_common import (  # noqa: E402
    EOS_IDS,
    GENERATION_CONFIG,
    SPECIAL_TOKEN_IDS,
    TOKENIZER_DIR,
    copy_tokenizer_files,
    prepare_inputs,
    scaled_init_,
    write_json,
    write_preprocessor_config,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures" / "qwen2vl"

WEIGHT_SEED = 20261125
IMAGE_SEED = 7
NEW_TOKENS = 32
DEFAULT_PROMPT = "OCR the Image"
NON_ASCII_PROMPT = "Lies den Text: äöü ß — 日本語"
# Reference notes §6.2 check vector.
TOKENIZER_CHECK = ("<|im_start|>user\nHello wörld 123<|im_end|>", [151644, 872, 198, 9707, 289, 9416, 507, 220, 16, 17, 18, 151645])

# Tiny shapes of the real architecture. rope_theta is NOT the real 1e6: with head_dim 8 there are only 4
# rotary frequencies, and at 1e6 the h/w sections (mrope_section [2,1,1] → frequencies 2 and 3) would turn
# by < 0.03 rad over a whole prompt, so a wrong M-RoPE h/w mapping could not change a single token.
# theta 100 gives frequencies 1, 0.316, 0.1, 0.0316 rad/position (see the "ablations" in each golden).
TINY_TEXT = dict(
    vocab_size=151936,
    hidden_size=16,
    intermediate_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    hidden_act="silu",
    max_position_embeddings=32768,
    rms_norm_eps=1e-6,
    rope_theta=100.0,
    rope_scaling={"type": "mrope", "mrope_section": [2, 1, 1]},
    tie_word_embeddings=True,
    use_sliding_window=False,
    sliding_window=32768,
    max_window_layers=2,
    attention_dropout=0.0,
    initializer_range=0.02,
    use_cache=True,
)
TINY_VISION = dict(depth=2, embed_dim=16, num_heads=2, mlp_ratio=2, hidden_size=16, in_chans=3)
# Keys the bf16 config keeps in its sparse vision_config: the non-default ones plus what the OCR
# fine-tune's file carries (in_chans, spatial_patch_size, model_type, torch_dtype).
SPARSE_VISION_EXTRA = {"in_chans": 3, "model_type": "qwen2_vl", "spatial_patch_size": 14, "torch_dtype": "bfloat16"}


# --------------------------------------------------------------------------------------------- images

def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: fixed bitmap font
        return ImageFont.load_default()


def _scribble(w: int, h: int, text: str, rng: np.random.RandomState, bg=(245, 242, 235)) -> Image.Image:
    """Off-white paper with noise, a few pen strokes and drawn text: not flat, not symmetric.
    Per-pixel noise on small images; 3×3-pixel noise blocks on big ones so the PNG stays < 100 KB."""
    block = 3 if w * h > 50_000 else 1
    noise = rng.normal(0, 12, size=(h // block + 1, w // block + 1, 3))
    noise = np.repeat(np.repeat(noise, block, axis=0), block, axis=1)[:h, :w]
    base = np.array(bg, dtype=np.float32)[None, None, :] + noise
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(4):
        pts = [(int(rng.randint(0, w)), int(rng.randint(0, h))) for _ in range(3)]
        d.line(pts, fill=tuple(int(c) for c in rng.randint(0, 120, 3)), width=int(rng.randint(1, 3)))
    size = max(8, min(h, w) // 3)
    d.text((2, 1), text, fill=(20, 30, 90), font=_font(size))
    return img


def make_images(dst: Path) -> dict[str, dict]:
    """Write the test images; return name → notes (what the image exercises)."""
    dst.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(IMAGE_SEED)
    notes: dict[str, dict] = {}

    _scribble(20, 30, "a", rng).save(dst / "tiny.png")
    notes["tiny.png"] = {"what": "20x30 RGB PNG, below min_pixels: smart_resize's min branch"}

    tall = _scribble(58, 262, "", rng)
    d = ImageDraw.Draw(tall)
    for i, word in enumerate(["milk", "eggs", "flour", "tea", "jam", "oats", "rice"]):
        d.text((3, 4 + 36 * i), word, fill=(10, 10, 10), font=_font(15))
    tall.save(dst / "tall.png")
    notes["tall.png"] = {"what": "58x262 RGB PNG, height shrinks much more than width: Pillow 13 resizes vertically first"}

    _scribble(300, 70, "Invoice 12345 Stadtwerke", rng).save(dst / "wide.jpg", quality=90)
    notes["wide.jpg"] = {"what": "300x70 baseline JPEG 4:2:0; 70 -> 56 by banker's rounding"}

    _scribble(400, 300, "Dear Ann, the meeting moved to 4pm.", rng).save(dst / "large.png")
    notes["large.png"] = {"what": "400x300 RGB PNG, used with max_pixels 50176: smart_resize's max branch"}

    # Stored 96 wide x 64 high with an arrow pointing right; Orientation=6 means "rotate 90° clockwise
    # to display", so after load_image it is 64 wide x 96 high.
    ex = _scribble(96, 64, "EXIF6", rng)
    d = ImageDraw.Draw(ex)
    d.polygon([(60, 40), (90, 50), (60, 60)], fill=(200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    ex.save(dst / "exif6.jpg", quality=90, exif=exif)
    notes["exif6.jpg"] = {"what": "96x64 JPEG stored, EXIF Orientation=6: 64x96 after exif_transpose"}

    rgb = np.array(_scribble(90, 60, "alpha", rng))
    alpha = np.tile(np.linspace(0, 255, 90, dtype=np.float32)[None, :], (60, 1)).astype(np.uint8)
    alpha[:, :12] = 0  # fully transparent columns that still store colour (kept: no matte)
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(dst / "alpha.png")
    notes["alpha.png"] = {"what": "90x60 RGBA PNG, alpha ramp; RGB keeps stored colour under alpha 0 (alpha dropped)"}

    pal = _scribble(120, 80, "GIF P", rng, bg=(230, 250, 230)).quantize(colors=32, method=Image.Quantize.MEDIANCUT)
    pal.save(dst / "palette.gif", transparency=0)
    notes["palette.gif"] = {"what": "120x80 GIF, P mode, 32 colours, palette index 0 marked transparent (ignored)"}

    _scribble(100, 70, "grey", rng).convert("L").save(dst / "grey.png")
    notes["grey.png"] = {"what": "100x70 8-bit greyscale PNG (L)"}

    g = np.array(_scribble(80, 80, "16bit", rng).convert("L")).astype(np.float32)
    g16 = (g * 1.6 + rng.randint(0, 40, size=g.shape)).astype(np.uint16)  # 0..~448: values > 255 clip
    Image.fromarray(g16).save(dst / "grey16.png")
    notes["grey16.png"] = {"what": "80x80 16-bit greyscale PNG (values 0..~450); PIL's convert('RGB') clips at 255"}

    for name in notes:
        with Image.open(dst / name) as im:
            notes[name]["stored_mode"] = im.mode
            notes[name]["stored_size_wh"] = list(im.size)
        notes[name]["bytes"] = (dst / name).stat().st_size
    return notes


# ---------------------------------------------------------------------------------------- checkpoints

def tiny_config() -> Qwen2VLConfig:
    return Qwen2VLConfig(
        **TINY_TEXT,
        **SPECIAL_TOKEN_IDS,
        vision_config=dict(TINY_VISION),
        architectures=["Qwen2VLForConditionalGeneration"],
    )


def build_tiny_model() -> Qwen2VLForConditionalGeneration:
    torch.manual_seed(WEIGHT_SEED)
    model = Qwen2VLForConditionalGeneration(tiny_config())
    scaled_init_(model, WEIGHT_SEED)
    model.generation_config = GenerationConfig(**GENERATION_CONFIG)
    return model.eval()


def finish_checkpoint_dir(dst: Path) -> None:
    copy_tokenizer_files(dst)
    write_preprocessor_config(dst)
    shutil.copyfile(TOKENIZER_DIR / "SOURCES.md", dst / "TOKENIZER_SOURCES.md")


def save_f32(model, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    model.save_pretrained(dst, safe_serialization=True, max_shard_size="1GB")
    finish_checkpoint_dir(dst)


def legacy_to_452(name: str) -> str:
    """Legacy weight name → the name transformers 4.52.x save_pretrained wrote."""
    if name.startswith("visual."):
        return "model." + name
    if name.startswith("model."):
        return "model.language_model." + name[len("model."):]
    return name  # lm_head.weight (absent here: tied)


def sparse_flat_config(full: dict) -> dict:
    """The flat legacy config.json schema (as the published Qwen2-VL files), sparse vision_config."""
    text = full["text_config"]
    flat_keys = [
        "attention_dropout", "bos_token_id", "eos_token_id", "hidden_act", "hidden_size", "initializer_range",
        "intermediate_size", "max_position_embeddings", "max_window_layers", "num_attention_heads",
        "num_hidden_layers", "num_key_value_heads", "rms_norm_eps", "rope_theta", "sliding_window",
        "tie_word_embeddings", "use_cache", "use_sliding_window", "vocab_size",
    ]
    out = {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl"}
    for k in flat_keys:
        out[k] = full[k] if k in full else text[k]  # top-level first: it keeps sliding_window 32768 like the real file
    out["rope_scaling"] = {"type": "mrope", "mrope_section": list(TINY_TEXT["rope_scaling"]["mrope_section"])}
    for k in ["image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"]:
        out[k] = full[k]
    out["vision_token_id"] = SPECIAL_TOKEN_IDS["vision_token_id"]
    out["torch_dtype"] = "bfloat16"
    out["transformers_version"] = full.get("transformers_version", transformers.__version__)
    defaults = transformers.models.qwen2_vl.configuration_qwen2_vl.Qwen2VLVisionConfig().to_dict()
    vision = {k: v for k, v in full["vision_config"].items() if k in defaults and k != "dtype" and defaults[k] != v}
    vision.update(SPARSE_VISION_EXTRA)
    out["vision_config"] = dict(sorted(vision.items()))
    return dict(sorted(out.items()))


def save_bf16(f32_dir: Path, dst: Path) -> list[str]:
    """Round to bf16, save as two shards, rename keys to the 4.52 layout, rewrite config. Returns shard names."""
    if dst.exists():
        shutil.rmtree(dst)
    model = Qwen2VLForConditionalGeneration.from_pretrained(f32_dir, dtype=torch.bfloat16)
    model.generation_config = GenerationConfig(**GENERATION_CONFIG)
    # The embedding (4.9 MB in bf16) is larger than the limit, so it lands alone in one shard and
    # every other tensor in the other.
    model.save_pretrained(dst, safe_serialization=True, max_shard_size="2MB")
    index_path = dst / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    shards = sorted(set(index["weight_map"].values()))
    if len(shards) != 2:
        raise RuntimeError(f"expected 2 shards, save_pretrained wrote {shards}")
    for shard in shards:
        tensors = load_file(dst / shard)
        save_file({legacy_to_452(k): v.contiguous() for k, v in tensors.items()}, dst / shard, metadata={"format": "pt"})
    index["weight_map"] = dict(sorted((legacy_to_452(k), v) for k, v in index["weight_map"].items()))
    write_json(index_path, index)
    full = json.loads((dst / "config.json").read_text())
    write_json(dst / "config.json", sparse_flat_config(full))
    finish_checkpoint_dir(dst)
    return shards


def load_checkpoint(path: Path, attn: str = "sdpa") -> Qwen2VLForConditionalGeneration:
    model, info = Qwen2VLForConditionalGeneration.from_pretrained(
        path, dtype=torch.float32, output_loading_info=True, attn_implementation=attn
    )
    bad = {k: v for k, v in info.items() if v}
    if bad:
        raise RuntimeError(f"{path.name}: loading problems {bad}")
    return model.eval()


def assert_same_weights(expected: dict[str, torch.Tensor], model, label: str) -> None:
    got = model.state_dict()
    for k, v in expected.items():
        if not torch.equal(got[k], v):
            raise AssertionError(f"{label}: re-loaded {k} differs (max {float((got[k] - v).abs().max())})")


# -------------------------------------------------------------------------------------------- goldens

def greedy_no_cache(model, inputs, steps: int, position_fn=None):
    """Greedy with EOS suppressed, recomputing the whole sequence each step (no KV cache).

    position_fn(ids) → position_ids [3, 1, L]; None lets the model compute them (get_rope_index).
    Returns (ids, per-step raw last-position logits)."""
    ids = inputs["input_ids"]
    out_ids, out_logits = [], []
    for _ in range(steps):
        kwargs = dict(
            input_ids=ids,
            pixel_values=inputs["pixel_values"],
            image_grid_thw=inputs["image_grid_thw"],
            use_cache=False,
            logits_to_keep=1,
        )
        if position_fn is not None:
            kwargs["position_ids"] = position_fn(ids)
        model.model.rope_deltas = None
        logits = model(**kwargs).logits[0, -1].float()
        masked = logits.clone()
        masked[EOS_IDS] = -math.inf
        nxt = int(masked.argmax())
        out_ids.append(nxt)
        out_logits.append(logits)
        ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
    return out_ids, out_logits


def mrope_positions(model, grid):
    def fn(ids):
        pos, _ = model.model.get_rope_index(ids, grid, None, torch.ones_like(ids))
        return pos
    return fn


def ablations(model, inputs, golden_ids, golden_first_logits) -> dict:
    """How each plausible engine bug would show up: first step where the ids differ, and the first-step
    logits difference relative to max|logit|. null = the bug would NOT be caught by the ids."""
    grid = inputs["image_grid_thw"]
    correct = mrope_positions(model, grid)
    prompt_len = inputs["input_ids"].shape[1]

    def sequential(ids):
        return torch.arange(ids.shape[1]).view(1, 1, -1).expand(3, 1, -1)

    def swap_hw(ids):
        pos = correct(ids).clone()
        return pos[[0, 2, 1]]

    def no_delta(ids):  # prompt positions right, generated tokens at their plain index
        pos = correct(ids).clone()
        n = ids.shape[1]
        if n > prompt_len:
            pos[:, :, prompt_len:] = torch.arange(prompt_len, n).view(1, 1, -1)
        return pos

    scale = float(golden_first_logits.abs().max())
    result = {}
    for label, fn in [("sequential_1d_positions", sequential), ("h_w_swapped", swap_hw), ("decode_without_rope_delta", no_delta)]:
        ids, logits = greedy_no_cache(model, inputs, NEW_TOKENS, fn)
        first_diff = next((i for i, (a, b) in enumerate(zip(ids, golden_ids)) if a != b), None)
        result[label] = {
            "first_differing_step": first_diff,
            "first_logits_rel_diff": float((logits[0] - golden_first_logits).abs().max()) / scale,
        }
    return result


def run_case(case: dict, model, eager, tokenizer, image_processor, ckpt_dir: Path, golden_dir: Path, images: dict) -> dict:
    name = case["name"]
    image_path = FIXTURES / "images" / case["image"]
    image = load_image(str(image_path))
    min_pixels = case.get("min_pixels", image_processor.min_pixels)
    max_pixels = case.get("max_pixels", image_processor.max_pixels)
    prompt_text, inputs = prepare_inputs(image, case["prompt"], tokenizer, image_processor, min_pixels, max_pixels)
    grid = inputs["image_grid_thw"]
    pixel_values = inputs["pixel_values"].to(torch.float32)
    input_ids = inputs["input_ids"]
    prompt_len = int(input_ids.shape[1])

    # Prefill forward: first-step logits and rope_delta.
    model.model.rope_deltas = None
    with torch.no_grad():
        fwd = model(**inputs, use_cache=False)
    first_logits = fwd.logits[0, -1].float()
    positions, rope_deltas = model.model.get_rope_index(input_ids, grid, None, inputs["attention_mask"])
    rope_delta = int(rope_deltas.reshape(-1)[0])

    # The golden run: HF generate, greedy, EOS suppressed by min_new_tokens.
    gen_cfg = GenerationConfig(
        do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, eos_token_id=EOS_IDS,
        pad_token_id=GENERATION_CONFIG["pad_token_id"], bos_token_id=GENERATION_CONFIG["bos_token_id"],
        repetition_penalty=1.0,
    )
    model.model.rope_deltas = None
    with torch.no_grad():
        gen = model.generate(**inputs, generation_config=gen_cfg, output_logits=True, return_dict_in_generate=True)
    gen_ids = [int(t) for t in gen.sequences[0, prompt_len:]]
    step_logits = [l[0].float() for l in gen.logits]
    if len(gen_ids) != NEW_TOKENS:
        raise AssertionError(f"{name}: generate returned {len(gen_ids)} tokens")

    # Cross-checks.
    d0 = float((step_logits[0] - first_logits).abs().max())
    scale = float(first_logits.abs().max())
    if d0 > 1e-5 * scale:
        raise AssertionError(f"{name}: generate's first logits differ from a plain forward by {d0}")
    with torch.no_grad():
        nc_ids, nc_logits = greedy_no_cache(model, inputs, NEW_TOKENS)
    if nc_ids != gen_ids:
        raise AssertionError(f"{name}: cached generate {gen_ids} != cache-free greedy {nc_ids}")
    nc_diff = max(float((a - b).abs().max()) for a, b in zip(nc_logits, step_logits))

    steps = []
    for i, (tok, logits) in enumerate(zip(gen_ids, step_logits)):
        logp = torch.log_softmax(logits, dim=-1)
        top = torch.topk(logits, 6)
        masked = logits.clone()
        masked[EOS_IDS] = -math.inf
        if int(masked.argmax()) != tok:
            raise AssertionError(f"{name}: step {i} chosen {tok} is not the EOS-masked argmax")
        masked[tok] = -math.inf
        margin = float(logits[tok] - masked.max())
        top5 = torch.topk(logp, 5)
        steps.append({
            "top5_ids": [int(x) for x in top5.indices],
            "top5_logprobs": [float(x) for x in top5.values],
            "chosen_id": tok,
            "chosen_logprob": float(logp[tok]),
            "raw_argmax_is_eos": int(logits.argmax()) in EOS_IDS,
            "top1_top2_logit_gap": float(top.values[0] - top.values[1]),
            "chosen_margin": margin,
            "max_abs_logit": float(logits.abs().max()),
        })

    with torch.no_grad():
        abl = ablations(model, inputs, gen_ids, first_logits)
        eager.model.rope_deltas = None
        eager_logits = eager(**inputs, use_cache=False).logits[0, -1].float()
    eager_rel = float((eager_logits - first_logits).abs().max()) / scale
    if eager_rel > 1e-5:
        raise AssertionError(f"{name}: eager attention first logits differ from sdpa by {eager_rel} relative")

    pixels_file = f"{name}.pixels.f32"
    logits_file = f"{name}.logits.f32"
    pixel_values.numpy().astype("<f4").tofile(golden_dir / pixels_file)
    first_logits.numpy().astype("<f4").tofile(golden_dir / logits_file)

    h, w = int(grid[0, 1]) * 14, int(grid[0, 2]) * 14
    gaps = [s["chosen_margin"] / s["max_abs_logit"] for s in steps]
    return {
        "case": name,
        "image": f"images/{case['image']}",
        "image_notes": images[case["image"]]["what"],
        "image_size_after_load_wh": list(image.size),
        "checkpoint": ckpt_dir.name,
        "weights_dtype": "bfloat16" if "bf16" in ckpt_dir.name else "float32",
        "compute_dtype": "float32",
        "attn_implementation": model.config._attn_implementation,
        "prompt": case["prompt"],
        "prompt_text": prompt_text,
        "min_pixels": min_pixels,
        "max_pixels": max_pixels,
        "resized_hw": [h, w],
        "image_grid_thw": [int(x) for x in grid[0]],
        "pixel_values_shape": list(pixel_values.shape),
        "pixels_file": pixels_file,
        "num_image_tokens": int(grid[0].prod()) // 4,
        "prompt_ids": [int(x) for x in input_ids[0]],
        "prompt_length": prompt_len,
        "rope_delta": rope_delta,
        "max_position_id": int(positions.max()),
        "logits_file": logits_file,
        "vocab_size": int(first_logits.shape[0]),
        "first_logits_max_abs": scale,
        "first_logits_argmax": int(first_logits.argmax()),
        "generation": {
            "method": "model.generate(do_sample=False, max_new_tokens=32, min_new_tokens=32, repetition_penalty=1.0)",
            "eos_suppressed_ids": EOS_IDS,
            "note": "min_new_tokens sets the logits of both EOS ids to -inf at every step; the logprobs below are "
                    "log_softmax of the RAW logits (before that mask), float32",
            "new_tokens": NEW_TOKENS,
        },
        "generated_ids": gen_ids,
        "generated_text": tokenizer.decode(gen_ids, skip_special_tokens=False),
        "steps": steps,
        "min_chosen_margin_over_max_abs_logit": min(gaps),
        "steps_with_margin_below_1e-3_max_abs_logit": sum(g < 1e-3 for g in gaps),
        "check_cache_free_greedy_max_logit_diff": nc_diff,
        "check_eager_first_logits_rel_diff": eager_rel,
        "ablations": abl,
    }


CASES = [
    {"name": "f32-tiny", "ckpt": "tiny-f32", "image": "tiny.png", "prompt": DEFAULT_PROMPT},
    {"name": "f32-tall", "ckpt": "tiny-f32", "image": "tall.png", "prompt": DEFAULT_PROMPT},
    {"name": "f32-wide", "ckpt": "tiny-f32", "image": "wide.jpg", "prompt": DEFAULT_PROMPT},
    {"name": "f32-large-max50176", "ckpt": "tiny-f32", "image": "large.png", "prompt": DEFAULT_PROMPT, "max_pixels": 50176},
    {"name": "f32-exif6", "ckpt": "tiny-f32", "image": "exif6.jpg", "prompt": DEFAULT_PROMPT},
    {"name": "f32-alpha", "ckpt": "tiny-f32", "image": "alpha.png", "prompt": DEFAULT_PROMPT},
    {"name": "f32-palette", "ckpt": "tiny-f32", "image": "palette.gif", "prompt": DEFAULT_PROMPT},
    {"name": "f32-grey-nonascii", "ckpt": "tiny-f32", "image": "grey.png", "prompt": NON_ASCII_PROMPT},
    {"name": "f32-grey16", "ckpt": "tiny-f32", "image": "grey16.png", "prompt": DEFAULT_PROMPT},
    {"name": "bf16-tall", "ckpt": "tiny-bf16", "image": "tall.png", "prompt": DEFAULT_PROMPT},
    {"name": "bf16-large-max50176-nonascii", "ckpt": "tiny-bf16", "image": "large.png", "prompt": NON_ASCII_PROMPT, "max_pixels": 50176},
]


def main() -> int:
    global FIXTURES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=FIXTURES, help="fixture folder (default: %(default)s)")
    args = ap.parse_args()
    FIXTURES = args.out
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    images = make_images(FIXTURES / "images")

    model = build_tiny_model()
    expected_f32 = {k: v.detach().clone() for k, v in model.state_dict().items()}
    f32_dir, bf16_dir = FIXTURES / "tiny-f32", FIXTURES / "tiny-bf16"
    save_f32(model, f32_dir)
    shards = save_bf16(f32_dir, bf16_dir)

    loaded = {"tiny-f32": load_checkpoint(f32_dir), "tiny-bf16": load_checkpoint(bf16_dir)}
    eager = {name: load_checkpoint(FIXTURES / name, "eager") for name in loaded}
    assert_same_weights(expected_f32, loaded["tiny-f32"], "tiny-f32")
    assert_same_weights({k: v.to(torch.bfloat16).float() for k, v in expected_f32.items()}, loaded["tiny-bf16"], "tiny-bf16")
    for m in loaded.values():
        if m.lm_head.weight.data_ptr() != m.model.language_model.embed_tokens.weight.data_ptr():
            raise AssertionError("lm_head is not tied to embed_tokens after loading")
    for key in ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                "rms_norm_eps", "rope_theta", "rope_scaling", "vocab_size", "tie_word_embeddings"]:
        a, b = getattr(loaded["tiny-f32"].config.text_config, key), getattr(loaded["tiny-bf16"].config.text_config, key)
        if a != b:
            raise AssertionError(f"tiny-bf16 config.json resolves {key} = {b}, tiny-f32 has {a}")
    v = loaded["tiny-bf16"].config.vision_config
    if (v.depth, v.embed_dim, v.num_heads, v.mlp_ratio, v.hidden_size, v.hidden_act, v.patch_size) != (
        2, 16, 2, 2, 16, "quick_gelu", 14):
        raise AssertionError(f"sparse vision_config resolved wrongly: {v}")

    golden_dir = FIXTURES / "golden"
    if golden_dir.exists():
        shutil.rmtree(golden_dir)
    golden_dir.mkdir(parents=True)
    summary = []
    for case in CASES:
        ckpt_dir = FIXTURES / case["ckpt"]
        # fix_mistral_regex=False only silences a spurious 4.57.6 warning (it fires for ANY local
        # checkpoint whose config.json was written by 4.57.3+); the tokenizer is not modified either way.
        tokenizer = AutoTokenizer.from_pretrained(ckpt_dir, fix_mistral_regex=False)
        check = tokenizer.encode(TOKENIZER_CHECK[0])
        if check != TOKENIZER_CHECK[1]:
            raise AssertionError(f"{ckpt_dir.name}: tokenizer check vector gave {check}")
        image_processor = Qwen2VLImageProcessor.from_pretrained(ckpt_dir)
        g = run_case(case, loaded[case["ckpt"]], eager[case["ckpt"]], tokenizer, image_processor, ckpt_dir, golden_dir, images)
        g["versions"] = {
            "torch": torch.__version__, "transformers": transformers.__version__, "Pillow": PIL.__version__,
            "numpy": np.__version__, "safetensors": safetensors.__version__,
        }
        write_json(golden_dir / f"{case['name']}.json", g)
        gaps = [s["chosen_margin"] for s in g["steps"]]
        summary.append((case["name"], g["image_grid_thw"], g["prompt_length"], g["rope_delta"],
                        round(g["first_logits_max_abs"], 3), round(min(gaps), 4), round(float(np.median(gaps)), 3),
                        g["steps_with_margin_below_1e-3_max_abs_logit"], len(set(g["generated_ids"])),
                        f'{g["check_eager_first_logits_rel_diff"]:.1e}',
                        {k: v["first_differing_step"] for k, v in g["ablations"].items()}))
    write_json(golden_dir / "index.json", {
        "cases": [c["name"] for c in CASES],
        "images": images,
        "bf16_shards": shards,
    })
    print("case | grid | prompt len | rope_delta | max|logit| | min margin | median margin | steps margin<1e-3·max | distinct ids | eager-vs-sdpa rel | ablation first diff")
    for row in summary:
        print(" | ".join(str(x) for x in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
