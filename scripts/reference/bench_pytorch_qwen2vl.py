"""Time the PyTorch reference (transformers 4.57.6) on a Qwen2-VL checkpoint, phase by phase.

Phases, each timed on its own (wall clock, torch.inference_mode), after an untimed warm-up pass on a
56×56 image (pages the mmapped weights in; --no-warmup skips it):
  preprocess  slow Qwen2VLImageProcessor + chat template + tokenizer (the image is decoded with
              load_image — EXIF transpose + RGB — before timing)
  vision      the vision tower + merger on pixel_values (model.model.visual)
  prefill     the LLM over the whole prompt (image rows scattered into the embeddings; M-RoPE
              positions from get_rope_index) + lm_head on the last position
  decode      N-1 single-token forwards with the KV cache (the first new token comes from prefill);
              greedy with both EOS ids masked, so exactly N tokens are generated
Decode tok/s = (N-1) / decode seconds. Peak RSS is the process's ru_maxrss.

With --dtype bf16 the model is loaded with from_pretrained(dtype=torch.bfloat16) (weights and
activations bf16, as a user of the reference would run it); --dtype f32 upcasts to float32.

Example (full-size random checkpoint, see make_fullsize_qwen2vl.py):
    $REFENV/bin/python scripts/reference/bench_pytorch_qwen2vl.py \
        --model $BENCH/qwen2vl-2b-random --image $BENCH/page1000.png \
        --max-new-tokens 32 --threads 2 --dtype bf16
Self-check on a tiny fixture checkpoint (asserts the ids equal the golden's):
    $REFENV/bin/python scripts/reference/bench_pytorch_qwen2vl.py \
        --model Tests/Fixtures/qwen2vl/tiny-f32 --image Tests/Fixtures/qwen2vl/images/tall.png \
        --dtype f32 --check-golden Tests/Fixtures/qwen2vl/golden/f32-tall.json
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from pathlib import Path

import torch
from PIL import Image
from transformers import AutoTokenizer, Qwen2VLForConditionalGeneration, Qwen2VLImageProcessor
from transformers.cache_utils import DynamicCache
from transformers.image_utils import load_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qwen2vl_common import EOS_IDS, prepare_inputs  # noqa: E402


def ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def greedy_pick(logits: torch.Tensor) -> int:
    if not bool(torch.isfinite(logits).all()):
        raise SystemExit("non-finite logits: the checkpoint's activations overflow")
    masked = logits.float().clone()
    masked[EOS_IDS] = -math.inf
    return int(masked.argmax())


@torch.inference_mode()
def run_once(model, tokenizer, image_processor, image, prompt, max_pixels, new_tokens, dtype):
    """One timed pass; returns (ms per phase, image_grid_thw, input_ids, generated ids)."""
    timings = {}
    t0 = time.perf_counter()
    _, inputs = prepare_inputs(image, prompt, tokenizer, image_processor, image_processor.min_pixels, max_pixels)
    timings["preprocess"] = ms(t0)
    input_ids, grid = inputs["input_ids"], inputs["image_grid_thw"]
    prompt_len = int(input_ids.shape[1])

    t0 = time.perf_counter()
    image_embeds = model.model.visual(inputs["pixel_values"].to(dtype), grid_thw=grid)
    timings["vision"] = ms(t0)

    t0 = time.perf_counter()
    text_model = model.model.language_model
    embeds = text_model.embed_tokens(input_ids)
    mask = (input_ids == model.config.image_token_id).unsqueeze(-1).expand_as(embeds)
    embeds = embeds.masked_scatter(mask, image_embeds.to(embeds.dtype))
    positions, rope_deltas = model.model.get_rope_index(input_ids, grid, None, inputs["attention_mask"])
    rope_delta = int(rope_deltas.reshape(-1)[0])
    cache = DynamicCache(config=text_model.config)
    out = text_model(inputs_embeds=embeds, position_ids=positions, past_key_values=cache, use_cache=True,
                     cache_position=torch.arange(prompt_len))
    generated = [greedy_pick(model.lm_head(out.last_hidden_state[:, -1])[0])]
    timings["prefill"] = ms(t0)

    t0 = time.perf_counter()
    for i in range(new_tokens - 1):
        index = prompt_len + i  # absolute index of the token being fed
        pos = torch.full((3, 1, 1), index + rope_delta, dtype=torch.long)
        out = text_model(input_ids=torch.tensor([[generated[-1]]]), position_ids=pos, past_key_values=cache,
                         use_cache=True, cache_position=torch.tensor([index]))
        generated.append(greedy_pick(model.lm_head(out.last_hidden_state[:, -1])[0]))
    timings["decode"] = ms(t0)
    return timings, grid, input_ids, generated


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="checkpoint directory")
    ap.add_argument("--image", type=Path, required=True)
    ap.add_argument("--prompt", default="OCR the Image")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    ap.add_argument("--max-pixels", type=int, default=None, help="override preprocessor_config's max_pixels")
    ap.add_argument("--check-golden", type=Path, default=None,
                    help="golden JSON from make_qwen2vl_fixtures.py: assert prompt ids and generated ids match")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the untimed warm-up pass (56×56 image, 2 tokens) that pages the weights in")
    args = ap.parse_args()
    if args.max_new_tokens < 1:
        ap.error("--max-new-tokens must be ≥ 1")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32

    t0 = time.perf_counter()
    model = Qwen2VLForConditionalGeneration.from_pretrained(args.model, dtype=dtype).eval()
    load_ms = ms(t0)
    tokenizer = AutoTokenizer.from_pretrained(args.model, fix_mistral_regex=False)
    image_processor = Qwen2VLImageProcessor.from_pretrained(args.model)
    max_pixels = args.max_pixels if args.max_pixels is not None else image_processor.max_pixels

    if args.warmup:
        # Page the (mmapped) weights in and let oneDNN pick its kernels, on a 56×56 image, 2 tokens.
        warm = Image.new("RGB", (56, 56), (255, 255, 255))
        run_once(model, tokenizer, image_processor, warm, args.prompt, image_processor.min_pixels, 2, dtype)
    image = load_image(str(args.image))  # decoded before timing: the PNG/JPEG decoder is not the model
    t, grid, input_ids, generated = run_once(
        model, tokenizer, image_processor, image, args.prompt, max_pixels, args.max_new_tokens, dtype)
    preprocess_ms, vision_ms, prefill_ms, decode_ms = t["preprocess"], t["vision"], t["prefill"], t["decode"]
    prompt_len = int(input_ids.shape[1])

    decode_steps = args.max_new_tokens - 1
    report = {
        "model": str(args.model),
        "image": str(args.image),
        "dtype": args.dtype,
        "threads": args.threads,
        "image_grid_thw": [int(x) for x in grid[0]],
        "load_ms": round(load_ms, 1),
        "preprocess_ms": round(preprocess_ms, 1),
        "vision_ms": round(vision_ms, 1),
        "prefill_tokens": prompt_len,
        "prefill_ms": round(prefill_ms, 1),
        "prefill_tok_s": round(prompt_len / (prefill_ms / 1000.0), 2),
        "new_tokens": len(generated),
        "decode_steps": decode_steps,
        "decode_ms": round(decode_ms, 1),
        "decode_tok_s": round(decode_steps / (decode_ms / 1000.0), 3) if decode_steps else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "generated_ids": generated,
    }

    if args.check_golden is not None:
        golden = json.loads(args.check_golden.read_text())
        if [int(x) for x in input_ids[0]] != golden["prompt_ids"]:
            raise SystemExit("check-golden: prompt ids differ from the golden's")
        n = min(len(generated), len(golden["generated_ids"]))
        if generated[:n] != golden["generated_ids"][:n]:
            raise SystemExit(f"check-golden: generated {generated[:n]} != golden {golden['generated_ids'][:n]}")
        report["check_golden"] = f"ok: prompt ids and {n} generated ids equal {args.check_golden.name}"

    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            if k != "generated_ids":
                print(f"{k:>16}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
