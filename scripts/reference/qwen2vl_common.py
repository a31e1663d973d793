"""Shared helpers for the Qwen2-VL reference scripts in this folder.

Used by make_qwen2vl_fixtures.py, make_fullsize_qwen2vl.py and bench_pytorch_qwen2vl.py.
Everything here calls the real transformers 4.57.6 classes; nothing re-implements the model.

- `scaled_init_`: re-initialises every parameter so a random model is not flat (the class default
  N(0, 0.02) makes all logits nearly equal, so greedy argmax would be decided by rounding).
- `copy_tokenizer_files` / `write_preprocessor_config`: make a checkpoint directory hub-complete.
- `prepare_inputs`: what `Qwen2VLProcessor.__call__` does for one image + one text, built from the
  slow (PIL) `Qwen2VLImageProcessor` and the tokenizer, because `Qwen2VLProcessor` itself insists on a
  video processor, which needs torchvision (not loadable in the reference venv).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import torch

TOKENIZER_DIR = Path(__file__).resolve().parents[3] / "shared" / "tokenizers" / "qwen2"  # ../shared beside the repository
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "chat_template.json"]

IMAGE_PAD = "<|image_pad|>"
EOS_IDS = [151645, 151643]  # <|im_end|>, <|endoftext|> (generation_config eos_token_id)

# The values of Qwen2-VL-2B-Instruct's preprocessor_config.json (reference notes §3.3).
PREPROCESSOR_CONFIG = {
    "min_pixels": 3136,
    "max_pixels": 12845056,
    "patch_size": 14,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor",
    "processor_class": "Qwen2VLProcessor",
}

# generation_config.json of Qwen2-VL-2B-Instruct (reference notes §1.4, "Instruct" column).
GENERATION_CONFIG = {
    "bos_token_id": 151643,
    "pad_token_id": 151643,
    "do_sample": True,
    "eos_token_id": EOS_IDS,
    "temperature": 0.01,
    "top_k": 1,
    "top_p": 0.001,
    "repetition_penalty": 1.0,
}

# Token ids of the Qwen2-VL config (reference notes §1.1).
SPECIAL_TOKEN_IDS = {
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "vision_start_token_id": 151652,
    "vision_end_token_id": 151653,
    "vision_token_id": 151654,
    "image_token_id": 151655,
    "video_token_id": 151656,
}


def _is_norm_weight(name: str) -> bool:
    return name.endswith(("norm.weight", "norm1.weight", "norm2.weight", "ln_q.weight", "layernorm.weight"))


@torch.no_grad()
def scaled_init_(model: torch.nn.Module, seed: int) -> None:
    """Deterministically re-initialise all parameters (in parameter-name order).

    - token embeddings: N(0, 0.5²)
    - matrices / conv kernels: N(0, 1/fan_in), fan_in = product of all dims but the first; the two
      projections that write into the LLM's residual stream (o_proj, down_proj) get 2× that std
    - norm weights (RMSNorm, LayerNorm): 1 + 0.1·N(0, 1), except the LLM's FINAL norm: N(0, 1)
    - biases (q/k/v, vision linears, LayerNorm): 0.1·N(0, 1)
    Why: with tied embeddings and norm weights ≈ 1, logit(j) ≈ x·E[j] is dominated by the input token's
    own embedding in the residual stream, so a random model repeats one token forever and decode-time
    bugs (positions, rope_delta, KV cache) cannot change a single id. Random-sign final-norm weights
    break that fixed point, and the smaller embeddings / larger residual writes make the next token
    depend on context. Tied weights appear once in named_parameters(), so lm_head follows embed_tokens.
    """
    gen = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
        if name.endswith("embed_tokens.weight"):
            value = 0.5 * noise
        elif name.endswith("language_model.norm.weight"):
            value = noise
        elif _is_norm_weight(name):
            value = 1.0 + 0.1 * noise
        elif name.endswith(".bias"):
            value = 0.1 * noise
        elif p.dim() >= 2:
            fan_in = math.prod(p.shape[1:])
            gain = 2.0 if name.endswith(("o_proj.weight", "down_proj.weight")) else 1.0
            value = noise * (gain / math.sqrt(fan_in))
        else:
            raise ValueError(f"no init rule for parameter {name} {tuple(p.shape)}")
        p.copy_(value.to(p.dtype))


def copy_tokenizer_files(dst: Path) -> None:
    for f in TOKENIZER_FILES:
        shutil.copyfile(TOKENIZER_DIR / f, dst / f)


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_preprocessor_config(dst: Path) -> None:
    write_json(dst / "preprocessor_config.json", PREPROCESSOR_CONFIG)


def user_turn(prompt: str) -> list[dict]:
    """One user turn: [image, text] — the seed demo's message shape."""
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]


def prepare_inputs(image, prompt: str, tokenizer, image_processor, min_pixels: int, max_pixels: int):
    """Qwen2VLProcessor.__call__ for one PIL image and one user prompt (transformers 4.57.6 logic).

    Returns (text, inputs) where inputs has input_ids, attention_mask [1, L] (long), pixel_values
    [N, 1176] (f32) and image_grid_thw [1, 3] (long).
    """
    text = tokenizer.apply_chat_template(user_turn(prompt), tokenize=False, add_generation_prompt=True)
    image_inputs = image_processor(
        images=[image], min_pixels=min_pixels, max_pixels=max_pixels, return_tensors="pt"
    )
    grid = image_inputs["image_grid_thw"]
    merge_length = image_processor.merge_size**2
    if text.count(IMAGE_PAD) != 1:
        raise ValueError(f"chat template produced {text.count(IMAGE_PAD)} image placeholders, expected 1")
    num_image_tokens = int(grid[0].prod()) // merge_length
    expanded = text.replace(IMAGE_PAD, "<|placeholder|>" * num_image_tokens, 1).replace("<|placeholder|>", IMAGE_PAD)
    enc = tokenizer([expanded], return_tensors="pt", padding=False)
    image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_PAD)
    found = int((enc["input_ids"] == image_token_id).sum())
    if found != num_image_tokens:
        raise ValueError(f"{found} image tokens in the prompt, expected {num_image_tokens}")
    inputs = {
        "input_ids": enc["input_ids"],
        "attention_mask": enc["attention_mask"],
        "pixel_values": image_inputs["pixel_values"],
        "image_grid_thw": grid,
    }
    return text, inputs
