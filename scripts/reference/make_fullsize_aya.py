#!/usr/bin/env python3
"""Write a FULL-SIZE random Aya Vision 8B checkpoint for benchmarks (output is NOT committed).

Same shapes and file layout as CohereForAI/aya-vision-8b (as far as can be known offline; see the
SHAPES note below), random bf16 weights, so `scrawl bench` and scripts/reference/bench_pytorch_aya.py
do the same work as with the real model:

    $REFENV/bin/python scripts/reference/make_fullsize_aya.py [--out $BENCH/aya-vision-8b-random]

~17 GB of bf16 safetensors in ~4 GB shards + model.safetensors.index.json, hub weight names
(`language_model.model.*`, `vision_tower.vision_model.*`, `multi_modal_projector.*`, tied head),
config.json, generation_config.json, preprocessor_config.json / processor_config.json (364-px tiles,
1..12 tiles) and the tokenizer files from --tokenizer (default: the reconstructed Cohere tokenizer in
../shared/tokenizers/cohere, CC-BY-NC-4.0: fine for a local benchmark folder, never commit it).
Check `df -h` first. The model is never materialised: parameter names/shapes come from the real class
built on the meta device, and tensors are generated one at a time.

`--layers N --vision-layers M --out /tmp/x` writes a shallow copy (same widths) to test this script
quickly; `--verify` then loads it with from_pretrained and runs one forward pass.

SHAPES (text: Command R7B / Cohere2; vision: SigLIP2-so400m-patch14 at 364 px): text hidden 4096,
intermediate 14336, 32 layers, 32 heads, 8 kv heads, vocab 256000, sliding window 4096 with every 4th
layer global, rope_theta 50000; vision hidden 1152, intermediate 4304, 27 layers, 16 heads, patch 14,
image 364; projector alignment_intermediate_size 28672. These follow the published model card and the
transformers docs; the hub's config.json itself could not be downloaded here.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import (AutoTokenizer, AyaVisionConfig, AyaVisionForConditionalGeneration, AyaVisionProcessor,
                          GenerationConfig, GotOcr2ImageProcessor)


def build_config(layers: int, vision_layers: int, image_token_id: int) -> AyaVisionConfig:
    text = dict(model_type="cohere2", vocab_size=256000, hidden_size=4096, intermediate_size=14336,
                num_hidden_layers=layers, num_attention_heads=32, num_key_value_heads=8, logit_scale=0.25,
                max_position_embeddings=16384, layer_norm_eps=1e-5, rope_theta=50000.0, sliding_window=4096,
                sliding_window_pattern=4, pad_token_id=0, bos_token_id=5, eos_token_id=255001,
                tie_word_embeddings=True)
    vision = dict(model_type="siglip_vision_model", hidden_size=1152, intermediate_size=4304,
                  num_hidden_layers=vision_layers, num_attention_heads=16, patch_size=14, image_size=364,
                  vision_use_head=False, layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh")
    return AyaVisionConfig(vision_config=vision, text_config=text, downsample_factor=2, adapter_layer_norm_eps=1e-6,
                           image_token_index=image_token_id, vision_feature_layer=-1,
                           vision_feature_select_strategy="full", alignment_intermediate_size=28672,
                           tie_word_embeddings=True)


def hub_name(name: str) -> str:
    """In-memory name -> the name save_pretrained writes (the reverse of _checkpoint_conversion_mapping)."""
    for new, old in (("model.language_model.", "language_model.model."), ("model.vision_tower.", "vision_tower."),
                     ("model.multi_modal_projector.", "multi_modal_projector."), ("lm_head.", "language_model.lm_head.")):
        if name.startswith(new):
            return old + name[len(new):]
    raise KeyError(name)


def random_tensor(name: str, shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    if ("norm" in name) and name.endswith("weight"):
        t = 1.0 + 0.02 * torch.randn(shape, generator=g)
    elif name.endswith("bias"):
        t = 0.02 * torch.randn(shape, generator=g)
    elif name.endswith("embed_tokens.weight") or name.endswith("position_embedding.weight"):
        t = 0.5 * torch.randn(shape, generator=g)
    else:
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
        t = torch.randn(shape, generator=g) / math.sqrt(fan_in)
    return t.to(torch.bfloat16).contiguous()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="$BENCH/aya-vision-8b-random")
    ap.add_argument("--tokenizer", default=str(Path(__file__).resolve().parents[3] / "shared" / "tokenizers" / "cohere"))
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--vision-layers", type=int, default=27)
    ap.add_argument("--shard-gb", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verify", action="store_true", help="load the result with from_pretrained and run a forward")
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    tok = AutoTokenizer.from_pretrained(args.tokenizer)
    image_token_id = tok.convert_tokens_to_ids("<|IMG_PATCH|>")
    cfg = build_config(args.layers, args.vision_layers, image_token_id)
    with torch.device("meta"):
        meta = AyaVisionForConditionalGeneration(cfg)
    params = [(hub_name(n), tuple(p.shape)) for n, p in meta.named_parameters() if not n.startswith("lm_head.")]
    total = sum(math.prod(s) for _, s in params)
    print(f"{len(params)} tensors, {total / 1e9:.2f} B parameters, {2 * total / 1e9:.1f} GB bf16")

    g = torch.Generator().manual_seed(args.seed)
    limit = int(args.shard_gb * 1e9)
    shards: list[dict[str, torch.Tensor]] = [{}]
    files: list[str] = []
    weight_map: dict[str, str] = {}
    size = 0
    start = time.time()

    def flush() -> None:
        name = f"shard-{len(files):05d}.tmp"
        save_file(shards[-1], str(out / name), metadata={"format": "pt"})
        files.append(name)
        shards[-1] = {}

    for name, shape in params:
        t = random_tensor(name, shape, g)
        if size > 0 and size + t.numel() * 2 > limit:
            flush()
            size = 0
        shards[-1][name] = t
        weight_map[name] = len(files)
        size += t.numel() * 2
    flush()
    final = [f"model-{i + 1:05d}-of-{len(files):05d}.safetensors" for i in range(len(files))]
    for tmp, name in zip(files, final):
        os.rename(out / tmp, out / name)
    index = {"metadata": {"total_size": 2 * total}, "weight_map": {k: final[v] for k, v in sorted(weight_map.items())}}
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"weights written in {time.time() - start:.0f} s")

    cfg.save_pretrained(out)
    conf = json.loads((out / "config.json").read_text())
    conf["dtype"] = "bfloat16"
    (out / "config.json").write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n")
    GenerationConfig(bos_token_id=5, eos_token_id=tok.eos_token_id, pad_token_id=0).save_pretrained(out)
    ip = GotOcr2ImageProcessor(size={"height": 364, "width": 364}, crop_to_patches=True, min_patches=1,
                               max_patches=12, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    AyaVisionProcessor(image_processor=ip, tokenizer=tok, patch_size=28, img_size=364, downsample_factor=1,
                       chat_template=tok.chat_template).save_pretrained(out)
    print(f"done: {out}")

    if args.verify:
        model = AyaVisionForConditionalGeneration.from_pretrained(out, dtype=torch.bfloat16).eval()
        proc = AyaVisionProcessor.from_pretrained(out)
        from PIL import Image
        img = Image.new("RGB", (500, 300), (250, 250, 240))
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "OCR the Image"}]}]
        text = proc.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        inputs = proc(images=[img], text=text, add_special_tokens=False, return_tensors="pt")
        with torch.no_grad():
            logits = model(input_ids=inputs["input_ids"], pixel_values=inputs["pixel_values"].to(torch.bfloat16)).logits
        assert torch.isfinite(logits).all(), "non-finite logits"
        print(f"verify: prompt {inputs['input_ids'].shape[1]} tokens, tiles {inputs['pixel_values'].shape[0]}, "
              f"logits {tuple(logits.shape)} finite")


if __name__ == "__main__":
    main()
