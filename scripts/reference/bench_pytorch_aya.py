#!/usr/bin/env python3
"""Time Aya Vision in PyTorch (transformers 4.57.6) on the CPU: the baseline for `scrawl bench`.

    $REFENV/bin/python scripts/reference/bench_pytorch_aya.py \
        --model $BENCH/aya-vision-8b-random --image $BENCH/page1000.png \
        --max-new-tokens 32 --threads 2 --dtype bf16

Phases are timed separately, as `scrawl bench` reports them: preprocessing (slow PIL image processor
+ chat template + tokenizer), vision (SigLIP + projector over all tiles), prefill (the language model
over the whole prompt), decode (greedy, one token at a time with the KV cache, EOS masked out so
exactly --max-new-tokens tokens are made). Prints one JSON line. Do not run it while others use the
CPU (numbers would be noise). --max-tiles lowers the tile limit (fewer image tokens).
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import torch
from transformers import AyaVisionForConditionalGeneration, AyaVisionProcessor
from transformers.image_utils import load_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--prompt", default="OCR the Image")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    ap.add_argument("--max-tiles", type=int, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32

    t = time.perf_counter()
    model = AyaVisionForConditionalGeneration.from_pretrained(args.model, dtype=dtype).eval()
    proc = AyaVisionProcessor.from_pretrained(args.model)  # the saved (slow, PIL) image processor
    load_s = time.perf_counter() - t

    t = time.perf_counter()
    image = load_image(args.image)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": args.prompt}]}]
    text = proc.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    kwargs = {"max_patches": args.max_tiles} if args.max_tiles else {}
    inputs = proc(images=[image], text=text, add_special_tokens=False, return_tensors="pt", **kwargs)
    ids, pixels = inputs["input_ids"], inputs["pixel_values"].to(dtype)
    preprocess_ms = 1e3 * (time.perf_counter() - t)

    lm = model.model.language_model
    eos = set(model.generation_config.eos_token_id if isinstance(model.generation_config.eos_token_id, list)
              else [model.generation_config.eos_token_id])
    with torch.no_grad():
        t = time.perf_counter()
        features = model.model.get_image_features(pixel_values=pixels)
        vision_ms = 1e3 * (time.perf_counter() - t)

        t = time.perf_counter()
        embeds = lm.get_input_embeddings()(ids)
        mask = (ids == model.config.image_token_id).unsqueeze(-1).expand_as(embeds)
        embeds = embeds.masked_scatter(mask, features.to(embeds.dtype))
        out = lm(inputs_embeds=embeds, use_cache=True)
        logits = model.lm_head(out.last_hidden_state[:, -1:]).float()[0, -1]
        prefill_ms = 1e3 * (time.perf_counter() - t)

        past = out.past_key_values
        generated = []
        t = time.perf_counter()
        for step in range(args.max_new_tokens):
            for e in eos:
                logits[e] = -float("inf")
            nxt = int(logits.argmax())
            generated.append(nxt)
            if step + 1 == args.max_new_tokens:
                break
            out = lm(inputs_embeds=lm.get_input_embeddings()(torch.tensor([[nxt]])), past_key_values=past,
                     use_cache=True)
            past = out.past_key_values
            logits = model.lm_head(out.last_hidden_state[:, -1:]).float()[0, -1]
        decode_s = time.perf_counter() - t

    print(json.dumps({
        "model": args.model, "image": args.image, "dtype": args.dtype, "threads": args.threads,
        "load_s": round(load_s, 1), "tiles": int(pixels.shape[0]), "prompt_tokens": int(ids.shape[1]),
        "preprocess_ms": round(preprocess_ms, 1), "vision_ms": round(vision_ms, 1),
        "prefill_ms": round(prefill_ms, 1), "prefill_tok_s": round(ids.shape[1] / (prefill_ms / 1e3), 1),
        "decode_tokens": len(generated), "decode_ms": round(1e3 * decode_s, 1),
        # the first token comes from the prefill logits: decode_s covers len - 1 forward steps
        "decode_tok_s": round((len(generated) - 1) / decode_s, 2) if decode_s > 0 and len(generated) > 1 else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "generated_ids": generated[:8],
    }))


if __name__ == "__main__":
    main()
