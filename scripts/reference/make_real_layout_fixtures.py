#!/usr/bin/env python3
"""Make Tests/Fixtures/real-layout/: tiny checkpoints laid out EXACTLY like the two real hub repositories
(not run by CI; deterministic). See /Tests/Fixtures/real-layout/README.md for what each file proves.

  qwen2-vl-ocr-2b-instruct/   the file list of prithivMLmods/Qwen2-VL-OCR-2B-Instruct: added_tokens.json,
                              chat_template.json, config.json (a merged Unsloth upload's keys), generation_config.json,
                              merges.txt, ONE float16 model.safetensors with the legacy names (`model.layers.N…`,
                              `visual.…`), preprocessor_config.json (the 4.45-era form with `size: {min_pixels,
                              max_pixels}`: 596 B with CRLF, the listed size), vocab.json. No tokenizer.json, no
                              tokenizer_config.json. CRLF line ends in EVERY text file.
  aya-vision-8b/              the file list of CohereForAI/aya-vision-8b: chat_template.json (a long system preamble
                              built like the real one — heading, paragraphs, a style list, then the Cohere turn
                              markup — in our own words, about as long as the listed 4.2 kB; the real text is
                              CC-BY-NC and is not copied), config.json exactly as sparse as the real one (same key set, tiny
                              values where a key is present, every other value from the config classes' defaults,
                              e.g. vocab_size 256000), generation_config.json, four float16 shards
                              model-0000{1..4}-of-00004.safetensors + model.safetensors.index.json with the legacy
                              names (`language_model.model.*`, `vision_tower.vision_model.*`, `multi_modal_projector.*`,
                              no lm_head: tied), the REAL preprocessor_config.json and processor_config.json bytes
                              (so the tiny SigLIP uses image_size 364, patch_size 14), special_tokens_map.json,
                              tokenizer.json, tokenizer_config.json (the small committable tokenizer of
                              make_aya_tokenizer.py; the real Cohere tokenizer is CC-BY-NC and is not committed).
  golden/                     what transformers 4.57.6 does with those same folders (f32 compute): prompt ids,
                              pixel values, first-step logits, 32 greedy ids and their log-probs; the tokenizer's ids
                              for a corpus; the Aya config as the config classes fill it; the layout probes.

Reference path. Qwen: AutoTokenizer on the folder (→ Qwen2TokenizerFast converted from vocab.json + merges.txt +
added_tokens.json, class from config.json's model_type); the processor's chat template from chat_template.json;
Qwen2VLImageProcessor.from_pretrained(folder, size=None) — 4.57.6's slow processor raises on the 4.45-era `size`
form, the fast one (what AutoImageProcessor picks when torchvision is installed) replaces it with the top-level
min/max pixels; size=None reads it the fast way, and the script asserts the resulting budget; then
Qwen2VLForConditionalGeneration.from_pretrained(folder, dtype=float32). Aya: AyaVisionProcessor.from_pretrained and
AyaVisionForConditionalGeneration.from_pretrained on the folder, as make_aya_fixtures.py runs them.

Run:  $REFENV/bin/python scripts/reference/make_real_layout_fixtures.py   (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import PIL
import safetensors
import tokenizers
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (AutoTokenizer, AyaVisionConfig, AyaVisionForConditionalGeneration, AyaVisionProcessor,
                          GenerationConfig, Qwen2VLForConditionalGeneration, Qwen2VLImageProcessor)
from transformers.image_utils import load_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_aya_fixtures as aya_fx  # noqa: E402
import make_qwen2vl_fixtures as qwen_fx  # noqa: E402
# The bare Cohere/Aya turn template (what the template recogniser renders today).
from make_aya_tokenizer import CHAT_TEMPLATE as AYA_BARE_TEMPLATE  # noqa: E402
from qwen2vl_common import prepare_inputs, scaled_init_  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures"
OUT = FIXTURES / "real-layout"
QWEN = OUT / "qwen2-vl-ocr-2b-instruct"
AYA = OUT / "aya-vision-8b"
GOLDEN = OUT / "golden"
# The shared reference folder beside the repository (../shared).
REAL_FILES = REPO.parent / "shared" / "reference" / "real-files"
QWEN_TOKENIZER = FIXTURES / "tokenizers" / "qwen2"
AYA_TOKENIZER = FIXTURES / "tokenizers" / "aya-tiny"

NEW_TOKENS = 32
QWEN_SEED = 20261201
AYA_SEED = 20261202

VERSIONS = {
    "torch": torch.__version__, "transformers": transformers.__version__, "pillow": PIL.__version__,
    "numpy": np.__version__, "safetensors": safetensors.__version__, "tokenizers": tokenizers.__version__,
}


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def write_crlf(path: Path, text: str) -> None:
    path.write_bytes(crlf(text))


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_f32(path: Path, array) -> None:
    np.ascontiguousarray(np.asarray(array, dtype="<f4")).tofile(path)


# ------------------------------------------------------------------------------------------------ Qwen2-VL

# A merged Unsloth upload of a Qwen2-VL-2B-Instruct fine-tune (transformers 4.46 era): the published flat schema,
# rope_scaling as 4.46 rewrote it ("mrope" → "default", mrope_section kept), and Unsloth's extra keys.
QWEN_UNSLOTH_KEYS = {
    "_name_or_path": "unsloth/qwen2-vl-2b-instruct-bnb-4bit",
    "pad_token_id": 151654,
    "unsloth_version": "2024.11.7",
    "transformers_version": "4.46.2",
    "torch_dtype": "float16",
}
QWEN_GENERATION = {
    "bos_token_id": 151643, "do_sample": True, "eos_token_id": [151645, 151643], "max_length": 32768,
    "pad_token_id": 151654, "temperature": 0.01, "top_k": 1, "top_p": 0.001, "transformers_version": "4.46.2",
}
# What Qwen2VLImageProcessor.to_dict() wrote in 4.45–4.48 (`size` as {min_pixels, max_pixels}); with CRLF this is
# 596 B, the size the real repository lists.
QWEN_PREPROCESSOR = {
    "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "Qwen2VLImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711], "max_pixels": 12845056, "merge_size": 2, "min_pixels": 3136,
    "patch_size": 14, "processor_class": "Qwen2VLProcessor", "resample": 3, "rescale_factor": 0.00392156862745098,
    "size": {"max_pixels": 12845056, "min_pixels": 3136}, "temporal_patch_size": 2,
}
QWEN_FILES = ["added_tokens.json", "chat_template.json", "config.json", "generation_config.json", "merges.txt",
              "model.safetensors", "preprocessor_config.json", "vocab.json"]
QWEN_CASES = [
    # name, image (relative to Tests/Fixtures), prompt, full tensors stored
    ("qwen-tall", "qwen2vl/images/tall.png", "OCR the Image", True),
    ("qwen-wide-nonascii", "qwen2vl/images/wide.jpg", "Lies den Text: äöü ß — 日本語", False),
]


def qwen_config(saved: dict) -> dict:
    flat = qwen_fx.sparse_flat_config(saved)
    flat["rope_scaling"] = {"mrope_section": list(qwen_fx.TINY_TEXT["rope_scaling"]["mrope_section"]),
                            "rope_type": "default", "type": "default"}
    flat["vision_config"]["torch_dtype"] = "float16"
    flat.update(QWEN_UNSLOTH_KEYS)
    return dict(sorted(flat.items()))


def make_qwen() -> None:
    shutil.rmtree(QWEN, ignore_errors=True)
    QWEN.mkdir(parents=True)
    torch.manual_seed(QWEN_SEED)
    model = Qwen2VLForConditionalGeneration(qwen_fx.tiny_config())
    scaled_init_(model, QWEN_SEED)
    with tempfile.TemporaryDirectory() as tmp:
        model.to(torch.float16).save_pretrained(tmp, safe_serialization=True, max_shard_size="1GB")
        files = sorted(p.name for p in Path(tmp).glob("*.safetensors"))
        assert files == ["model.safetensors"], files
        tensors = load_file(Path(tmp) / "model.safetensors")
        assert all(k.startswith(("model.", "visual.")) for k in tensors), "not the legacy names"
        assert "lm_head.weight" not in tensors and all(v.dtype == torch.float16 for v in tensors.values())
        shutil.copy(Path(tmp) / "model.safetensors", QWEN / "model.safetensors")
        saved = json.loads((Path(tmp) / "config.json").read_text())
    write_crlf(QWEN / "config.json", dumps(qwen_config(saved)))
    write_crlf(QWEN / "generation_config.json", dumps(QWEN_GENERATION))
    write_crlf(QWEN / "preprocessor_config.json", dumps(QWEN_PREPROCESSOR))
    shutil.copy(REAL_FILES / "qwen2-vl-ocr-2b-instruct" / "added_tokens.json", QWEN / "added_tokens.json")
    for name in ["chat_template.json", "merges.txt", "vocab.json"]:
        write_crlf(QWEN / name, (QWEN_TOKENIZER / name).read_text(encoding="utf-8"))
    assert sorted(p.name for p in QWEN.iterdir()) == QWEN_FILES
    for p in QWEN.iterdir():
        if p.suffix != ".safetensors":
            raw = p.read_bytes()
            # (vocab.json is one line without a line end, as the Qwen team ships it.)
            assert raw.count(b"\n") == raw.count(b"\r\n"), f"{p.name} has bare LF line ends"
            assert raw.count(b"\r\n") > 0 or p.name == "vocab.json", f"{p.name} has no line ends"
    assert (QWEN / "preprocessor_config.json").stat().st_size == 596
    assert (QWEN / "added_tokens.json").stat().st_size == 408


def qwen_reference():
    tok = AutoTokenizer.from_pretrained(QWEN)
    assert type(tok).__name__ == "Qwen2TokenizerFast", type(tok)
    image_processor = Qwen2VLImageProcessor.from_pretrained(QWEN, size=None)
    assert (image_processor.min_pixels, image_processor.max_pixels) == (3136, 12845056)
    template = json.loads((QWEN / "chat_template.json").read_text(encoding="utf-8"))["chat_template"]
    model, info = Qwen2VLForConditionalGeneration.from_pretrained(QWEN, dtype=torch.float32, output_loading_info=True)
    assert not any(info.values()), info
    assert model.lm_head.weight.data_ptr() == model.model.language_model.embed_tokens.weight.data_ptr()
    return tok, image_processor, template, model.eval()


class TemplatedTokenizer:
    """The tokenizer with the processor's chat template (chat_template.json), for prepare_inputs."""

    def __init__(self, tok, template):
        self.tok, self.template = tok, template

    def apply_chat_template(self, messages, **kw):
        return self.tok.apply_chat_template(messages, chat_template=self.template, **kw)

    def __call__(self, *a, **kw):
        return self.tok(*a, **kw)

    def convert_tokens_to_ids(self, t):
        return self.tok.convert_tokens_to_ids(t)


@torch.no_grad()
def qwen_case(name, image_rel, prompt, full, tok, image_processor, template, model) -> dict:
    image = load_image(str(FIXTURES / image_rel))
    text, inputs = prepare_inputs(image, prompt, TemplatedTokenizer(tok, template), image_processor,
                                  image_processor.min_pixels, image_processor.max_pixels)
    ids = inputs["input_ids"]
    grid = inputs["image_grid_thw"]
    model.model.rope_deltas = None
    first = model(**inputs, use_cache=False).logits[0, -1].float()
    _, deltas = model.model.get_rope_index(ids, grid, None, inputs["attention_mask"])
    eos = qwen_fx.EOS_IDS
    gen_cfg = GenerationConfig(do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, eos_token_id=eos,
                               pad_token_id=151654, bos_token_id=151643, repetition_penalty=1.0)
    model.model.rope_deltas = None
    gen = model.generate(**inputs, generation_config=gen_cfg, output_logits=True, return_dict_in_generate=True)
    gen_ids = [int(t) for t in gen.sequences[0, ids.shape[1]:]]
    assert len(gen_ids) == NEW_TOKENS
    assert float((gen.logits[0][0].float() - first).abs().max()) <= 1e-5 * float(first.abs().max())
    steps = []
    for i, (tid, logits) in enumerate(zip(gen_ids, gen.logits)):
        logits = logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        masked = logits.clone()
        masked[eos] = -math.inf
        assert int(masked.argmax()) == tid, f"{name} step {i}"
        top5 = torch.topk(logp, 5)
        steps.append({"top5_ids": [int(x) for x in top5.indices], "top5_logprobs": [float(x) for x in top5.values],
                      "chosen_id": tid, "chosen_logprob": float(logp[tid])})
    pixels = inputs["pixel_values"].float()
    out = {
        "case": name, "image": image_rel, "checkpoint": "real-layout/" + QWEN.name, "prompt": prompt,
        "prompt_text": text, "weights_dtype": "float16", "compute_dtype": "float32",
        "min_pixels": image_processor.min_pixels, "max_pixels": image_processor.max_pixels,
        "image_grid_thw": [int(x) for x in grid[0]], "pixel_values_shape": list(pixels.shape),
        "prompt_ids": [int(x) for x in ids[0]], "rope_delta": int(deltas.reshape(-1)[0]),
        "first_logits_max_abs": float(first.abs().max()),
        "generation": "model.generate(do_sample=False, max_new_tokens=32, min_new_tokens=32): both EOS ids masked; "
                      "logprobs are log_softmax of the raw logits",
        "generated_ids": gen_ids, "generated_text": tok.decode(gen_ids), "steps": steps,
        "pixel_values_sum": float(pixels.double().sum()), "pixel_values_abs_sum": float(pixels.double().abs().sum()),
    }
    if full:
        write_f32(GOLDEN / f"{name}.pixels.f32", pixels.numpy())
        write_f32(GOLDEN / f"{name}.logits.f32", first.numpy())
        out["pixels_file"], out["logits_file"] = f"{name}.pixels.f32", f"{name}.logits.f32"
    return out


LONG_MIXED = ("Einkaufsliste für Montag: 3× Milch (1,5 % Fett), 12 Eier, Äpfel — 4,99 €\r\n"
              "\tTODO: call Ana @ 14:30; ask about invoice #2024-117 (total $18.70)\n\n"
              "日本語のメモ：明日は雨。한국어 메모: 내일 회의.  Emoji 🙂👍🏽 and ZWJ 👩‍💻; Arabic: مرحبا بالعالم\n"
              "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Read it.<|im_end|>\n<|im_start|>assistant\n"
              "    def f(x):\n        return x ** 2  # indented code\r\n"
              "Ünïcödé NFC vs NFD: e\u0301 é; ﬁ ligature; ½ ¼; Ⅻ; <|endoftext|> trailing   spaces   \n")


def qwen_tokenizer_golden(tok) -> dict:
    corpus = json.loads((FIXTURES / "tokenizers" / "qwen2-corpus.json").read_text(encoding="utf-8"))["texts"]
    texts = corpus + [LONG_MIXED, LONG_MIXED * 20]
    return {
        "checkpoint": "real-layout/" + QWEN.name,
        "tokenizer_class": type(tok).__name__,
        "special_tokens": {"bos": tok.bos_token, "eos": tok.eos_token, "unk": tok.unk_token, "pad": tok.pad_token},
        "len": len(tok),
        "added_tokens": {str(i): {"content": t.content, "special": t.special, "normalized": t.normalized}
                         for i, t in sorted(tok.added_tokens_decoder.items())},
        "texts": texts,
        "ids": [tok(t, add_special_tokens=False)["input_ids"] for t in texts],
        "decoded_skip_special": [tok.decode(tok(t, add_special_tokens=False)["input_ids"], skip_special_tokens=True)
                                 for t in texts],
    }


# ---------------------------------------------------------------------------------------------- Aya Vision

AYA_TEMPLATE_TAIL = """u write a word you cannot read as [illegible] instead of guessing it.
- Keep numbers, dates, names, prices and units exactly as they appear on the page.
- Keep the writer's own line breaks; join the lines of one sentence only when the user asks for it.
- Write crossed-out words only when they can still be read, between tildes.
- Leave out page furniture that was printed, not written: ruled lines, margins, punched holes.
- When a note mixes languages, keep each word in the language it was written in.
- When the user asks for a summary of a note, write it in the third person and keep it under five sentences.
- When the user asks for values from a note (a phone number, a date, an amount), give them exactly as written, separated by commas.
- When a page is upside down or sideways, read it as if it were upright and say nothing about it.
- When a page is empty, answer with an empty transcript.
- If the user asks a question about a note, answer from what is written on it and say when the note does not tell.
{%- if messages and messages[0]['role'] == 'system' %}

# Developer Preamble
The folder's own instructions below come before the defaults above and before the user's prompt; where they disagree, follow these.
{% if messages[0]['content'] is string %}{{ messages[0]['content'] }}{% else %}{% for item in messages[0]['content'] %}{% if item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}
{%- set loop_messages = messages[1:] %}{% else %}{% set loop_messages = messages %}{% endif %}<|END_OF_TURN_TOKEN|>{% for message in loop_messages %}{% if message['role'] == 'system' %}{{ raise_exception('Only the first message may be a system message.') }}{% endif %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' }}{% else %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{% endif %}{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for item in message['content'] %}{% if item['type'] == 'image' %}{{ '<image>' }}{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}{{ '<|END_OF_TURN_TOKEN|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{% endif %}"""

# Exactly the keys of the real (converted) config.json; tiny values where a key is present.
AYA_TINY_TEXT = {"hidden_size": 8, "intermediate_size": 16, "logit_scale": 0.25, "model_type": "cohere2",
                 "num_attention_heads": 2, "num_hidden_layers": 4, "num_key_value_heads": 1, "rope_theta": 50000.0,
                 "torch_dtype": "float16", "use_qk_norm": False}
AYA_TINY_VISION = {"hidden_size": 16, "image_size": 364, "intermediate_size": 32, "model_type": "siglip_vision_model",
                   "num_attention_heads": 2, "num_hidden_layers": 2, "patch_size": 14, "torch_dtype": "float16",
                   "vision_use_head": False}
AYA_FILES = ["chat_template.json", "config.json", "generation_config.json", "model-00001-of-00004.safetensors",
             "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
             "model.safetensors.index.json", "preprocessor_config.json", "processor_config.json",
             "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"]
AYA_CASES = [
    # name, image (relative to Tests/Fixtures), prompt, full logits stored
    ("aya-wide-2x1", "aya/preprocess364/wide-600x300.png", "OCR the Image", True),
    ("aya-one-tile", "aya/images/one-tile.png", "Lies den Text: äöü ß — 日本語", False),
]


# Our own preamble, as long as the real one's first 1.6 kB and built like it (a "# System Preamble" heading,
# paragraphs, then a style list the tail continues mid-word). The real text (Cohere, CC-BY-NC) is not copied
# into this Apache-2.0 repository; what matters to the engine is the template's shape and length.
AYA_TEMPLATE_HEAD = (
    "{{ bos_token }}<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|># System Preamble\n"
    "You are working in careful transcription mode. You read what people wrote by hand on paper, in notebooks, "
    "on whiteboards and on the backs of envelopes, and you give back exactly the words that are there. You do not "
    "invent words that are not written, you do not correct the writer's spelling unless asked, and you do not add "
    "commentary to a transcript. When a page holds a drawing, a stamp or a signature, you say so in a few words in "
    "square brackets instead of describing it at length.\n\n"
    "You are a test assistant written for the scrawl project, a service that indexes handwritten notes so that "
    "their owners can search them later. You have been trained on notes in many scripts and languages, among them "
    "Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Chinese, Japanese and Korean writing, and you answer in "
    "the language of the note unless the user asks for another one. Your answers are plain text without "
    "markdown unless the user asks for a table or a list.\n\n"
    "# Default Preamble\n"
    "The following instructions are your defaults unless the user or a folder's prompt says otherwise. They are "
    "meant to keep transcripts faithful, short and easy to search, and to keep you from guessing where the ink "
    "is faint, smudged or crossed out.\n"
    "- Your name is Scrawl Reader.\n"
    "- Keep the order of the lines as they appear on the page, from top to bottom and from left to right.\n"
    "- Keep the writer's abbreviations, underlining marks and arrows as plain characters.\n"
    "- Never merge two notes that are on the same page into one paragraph.\n"
    "- Yo"
)


def aya_template() -> str:
    return AYA_TEMPLATE_HEAD + AYA_TEMPLATE_TAIL


def aya_sparse_config(tok) -> dict:
    return {
        "adapter_layer_norm_eps": 1e-06, "alignment_activation_fn": "swiglu", "alignment_intermediate_size": 16,
        "architectures": ["AyaVisionForConditionalGeneration"], "downsample_factor": 2,
        "image_token_index": tok.convert_tokens_to_ids("<|IMG_PATCH|>"), "model_type": "aya_vision",
        "projector_hidden_act": "gelu", "text_config": dict(AYA_TINY_TEXT), "torch_dtype": "float16",
        "transformers_version": "4.50.0.dev0", "vision_config": dict(AYA_TINY_VISION), "vision_feature_layer": -1,
        "vision_feature_select_strategy": "full",
    }


def make_aya() -> dict:
    shutil.rmtree(AYA, ignore_errors=True)
    AYA.mkdir(parents=True)
    tok = AutoTokenizer.from_pretrained(AYA_TOKENIZER)
    sparse = aya_sparse_config(tok)
    config = AyaVisionConfig(**json.loads(json.dumps(sparse)))
    torch.manual_seed(AYA_SEED)
    model = AyaVisionForConditionalGeneration(config)
    aya_fx.scaled_init(model, AYA_SEED)
    with torch.no_grad():
        # Rows past the tokenizer's ids (the sparse config's vocab_size 256000 vs ~2.7k tokens) are shrunk so the
        # tied head still picks real tokens: greedy ids stay decodable.
        emb = model.get_input_embeddings().weight
        emb[len(tok):] *= 0.05
    with tempfile.TemporaryDirectory() as tmp:
        model.to(torch.float16).save_pretrained(tmp, safe_serialization=True, max_shard_size="100GB")
        tensors = {}
        for p in sorted(Path(tmp).glob("*.safetensors")):
            tensors.update(load_file(p))
    assert all(k.startswith(("language_model.model.", "vision_tower.vision_model.", "multi_modal_projector."))
               for k in tensors), sorted(tensors)[:5]
    assert not any("lm_head" in k for k in tensors) and all(v.dtype == torch.float16 for v in tensors.values())
    # Four shards as the real repository: the embedding alone in the first, the rest split in order.
    names = sorted(tensors)
    embed = "language_model.model.embed_tokens.weight"
    rest = [n for n in names if n != embed]
    groups = [[embed], rest[: len(rest) // 3], rest[len(rest) // 3: 2 * len(rest) // 3], rest[2 * len(rest) // 3:]]
    weight_map, total = {}, 0
    for i, group in enumerate(groups, start=1):
        shard = f"model-{i:05d}-of-00004.safetensors"
        save_file({n: tensors[n].contiguous() for n in group}, AYA / shard, metadata={"format": "pt"})
        for n in group:
            weight_map[n] = shard
            total += tensors[n].numel() * 2
    (AYA / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, indent=2) + "\n")
    (AYA / "config.json").write_text(dumps(sparse))
    gen = {"_from_model_config": True, "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
           "pad_token_id": tok.pad_token_id, "transformers_version": "4.50.0.dev0"}
    (AYA / "generation_config.json").write_text(dumps(gen))
    (AYA / "chat_template.json").write_text(json.dumps({"chat_template": aya_template()}, indent=2, ensure_ascii=False) + "\n")
    for name in ["preprocessor_config.json", "processor_config.json"]:
        shutil.copy(REAL_FILES / "aya-vision-8b" / name, AYA / name)
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(AYA_TOKENIZER / name, AYA / name)
    # special_tokens_map.json as transformers writes it for this tokenizer (AddedToken dicts: 439 B like the real one).
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        shutil.copy(Path(tmp) / "special_tokens_map.json", AYA / "special_tokens_map.json")
    assert sorted(p.name for p in AYA.iterdir()) == AYA_FILES
    return sparse


def aya_config_fill() -> dict:
    """Every value the engine reads, as transformers' config classes fill the sparse file."""
    c = AyaVisionConfig.from_pretrained(AYA)
    t, v = c.text_config, c.vision_config
    return {
        "text": {k: getattr(t, k) for k in ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                            "num_attention_heads", "num_key_value_heads", "head_dim", "layer_norm_eps",
                                            "rope_theta", "sliding_window", "layer_types", "attention_bias",
                                            "tie_word_embeddings", "logit_scale", "eos_token_id", "bos_token_id",
                                            "pad_token_id", "hidden_act", "rope_scaling", "max_position_embeddings"]},
        "vision": {k: getattr(v, k) for k in ["hidden_size", "intermediate_size", "num_hidden_layers",
                                              "num_attention_heads", "num_channels", "image_size", "patch_size",
                                              "hidden_act", "layer_norm_eps"]},
        "top": {"image_token_index": c.image_token_index, "downsample_factor": c.downsample_factor,
                "adapter_layer_norm_eps": c.adapter_layer_norm_eps,
                "alignment_intermediate_size": getattr(c, "alignment_intermediate_size", None),
                "vision_feature_layer": c.vision_feature_layer,
                "vision_feature_select_strategy": c.vision_feature_select_strategy},
    }


@torch.no_grad()
def aya_case(name, image_rel, prompt, full, model, proc, tok) -> dict:
    r = aya_fx.run_case(model, proc, tok, FIXTURES / image_rel, prompt)
    pixels = r.pop("pixel_values")
    first = r.pop("first_logits")
    flat = pixels.reshape(-1).astype(np.float64)
    stride = max(1, flat.size // 4096)
    r.update({
        "case": name, "image": image_rel, "checkpoint": "real-layout/" + AYA.name, "prompt": prompt,
        "weights_dtype": "float16", "compute_dtype": "float32", "new_tokens": NEW_TOKENS,
        "eos_handling": "ignored (pure argmax of raw logits for every step)",
        "pixel_values_shape": list(pixels.shape), "pixel_values_sum": float(flat.sum()),
        "pixel_values_abs_sum": float(np.abs(flat).sum()), "pixel_sample_stride": stride,
        "pixel_samples": [float(x) for x in flat[::stride]],
        "generated_text": tok.decode(r["generated_ids"]),
        "crop_to_patches_in_file": json.loads((AYA / "preprocessor_config.json").read_text())["crop_to_patches"],
    })
    # The prompt string the tokenizer sees: the rendered template with `<image>` expanded by the processor.
    num_patches = r["num_tiles"]
    expanded = r["text"].replace("<image>", proc._prompt_split_image(num_patches), 1)
    assert tok(expanded, add_special_tokens=False)["input_ids"] == r["prompt_ids"], "expanded text does not give the prompt ids"
    r["expanded_text"] = expanded
    if full:
        write_f32(GOLDEN / f"{name}.logits.f32", first)
        r["logits_file"] = f"{name}.logits.f32"
    return r


# ------------------------------------------------------------------------------------------- layout probes

def layout_variants() -> list[dict]:
    """What AutoTokenizer makes of the Qwen folder's tokenizer files in other legacy layouts."""
    spec = {"additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "eos_token": "<|im_end|>"}
    variants = [
        ("added_tokens.json, no tokenizer_config.json (the real layout)", {"added_tokens.json": None}),
        ("tokenizer_config.json without added_tokens_decoder",
         {"added_tokens.json": None, "tokenizer_config.json": {"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|im_end|>"}}),
        ("no added_tokens.json", {}),
        ("special_tokens_map.json whose eos is the last additional token (transformers mis-resolves it)",
         {"added_tokens.json": None, "special_tokens_map.json": spec}),
    ]
    out = []
    for label, files in variants:
        with tempfile.TemporaryDirectory() as d:
            for f in ["vocab.json", "merges.txt", "config.json"]:
                shutil.copy(QWEN / f, d)
            for f, content in files.items():
                if content is None:
                    shutil.copy(QWEN / f, d)
                else:
                    Path(d, f).write_text(json.dumps(content))
            t = AutoTokenizer.from_pretrained(d)
            out.append({"label": label, "files": {k: v for k, v in files.items()},
                        "special_tokens": {"bos": t.bos_token, "eos": t.eos_token, "unk": t.unk_token, "pad": t.pad_token},
                        "len": len(t),
                        "special_ids": sorted(i for i, a in t.added_tokens_decoder.items() if a.special),
                        "normalized_ids": sorted(i for i, a in t.added_tokens_decoder.items() if a.normalized)})
    return out


def main() -> int:
    logging.disable(logging.WARNING)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    shutil.rmtree(GOLDEN, ignore_errors=True)
    GOLDEN.mkdir(parents=True)

    make_qwen()
    tok, image_processor, template, model = qwen_reference()
    cases = [qwen_case(*c, tok, image_processor, template, model) for c in QWEN_CASES]
    for c in cases:
        (GOLDEN / f"{c['case']}.json").write_text(json.dumps({**c, "versions": VERSIONS}, indent=1, ensure_ascii=False) + "\n")
        print(f"{c['case']}: prompt {len(c['prompt_ids'])} ids, grid {c['image_grid_thw']}, ids {c['generated_ids'][:8]}…")
    (GOLDEN / "qwen-tokenizer.json").write_text(json.dumps({**qwen_tokenizer_golden(tok), "versions": VERSIONS},
                                                           ensure_ascii=False) + "\n")
    (GOLDEN / "tokenizer-layouts.json").write_text(json.dumps({"variants": layout_variants(), "versions": VERSIONS},
                                                              indent=1, ensure_ascii=False) + "\n")

    sparse = make_aya()
    proc = AyaVisionProcessor.from_pretrained(AYA)
    assert proc.chat_template == aya_template()
    aya_model, info = AyaVisionForConditionalGeneration.from_pretrained(AYA, dtype=torch.float32, output_loading_info=True)
    assert not any(info.values()), info
    aya_model.eval()
    atok = proc.tokenizer
    acases = [aya_case(*c, aya_model, proc, atok) for c in AYA_CASES]
    for c in acases:
        (GOLDEN / f"{c['case']}.json").write_text(json.dumps({**c, "versions": VERSIONS}, indent=1, ensure_ascii=False) + "\n")
        print(f"{c['case']}: tiles {c['num_tiles']}, prompt {len(c['prompt_ids'])} ids, ids {c['generated_ids'][:8]}…")
    # The same folder with chat_template.json swapped for the bare Cohere turn template (no preamble): proves
    # the sparse config, f16 shards, legacy names and the real preprocessor files independently of how the long
    # template is rendered. The Swift test makes the same swap in a copy of the folder.
    proc.chat_template = AYA_BARE_TEMPLATE
    name, image_rel, prompt, _ = AYA_CASES[0]
    bare = aya_case(name + "-bare-template", image_rel, prompt, True, aya_model, proc, atok)
    bare["chat_template"] = AYA_BARE_TEMPLATE
    (GOLDEN / f"{bare['case']}.json").write_text(json.dumps({**bare, "versions": VERSIONS}, indent=1, ensure_ascii=False) + "\n")
    print(f"{bare['case']}: tiles {bare['num_tiles']}, prompt {len(bare['prompt_ids'])} ids, ids {bare['generated_ids'][:8]}…")
    fill = aya_config_fill()
    (GOLDEN / "aya-config-fill.json").write_text(json.dumps({"config_json": sparse, "filled": fill, "versions": VERSIONS},
                                                            indent=1) + "\n")
    index = {"qwen": [c[0] for c in QWEN_CASES], "aya": [c[0] for c in AYA_CASES], "versions": VERSIONS}
    (GOLDEN / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    for folder in (QWEN, AYA, GOLDEN):
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{folder.relative_to(REPO)}: {size / 1e6:.2f} MB")
        for p in sorted(folder.iterdir()):
            if folder != GOLDEN:
                print(f"   {p.name:40s} {p.stat().st_size:>10d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
