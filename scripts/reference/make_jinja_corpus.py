"""Goldens for the Swift Jinja engine: every chat template under Tests/Fixtures/jinja/templates rendered
with transformers' own renderer (transformers.utils.chat_template_utils.render_jinja_template, i.e. the
ImmutableSandboxedEnvironment transformers compiles) for a fixed set of conversations.

Run with the reference environment (transformers 4.57.6, jinja2 3.1.x):
    python scripts/reference/make_jinja_corpus.py [--extra DIR ...]
Writes Tests/Fixtures/jinja/goldens.json. `--extra-template NAME=PATH --extra-out FILE` renders templates
that are not committed into a separate goldens file:
  - the Cohere/Aya template (CC-BY-NC, read from the shared tokenizer folder at test time):
      --extra-template cohere-aya=<shared>/tokenizers/cohere/chat_template.json --basename-files \
      --extra-out Tests/Fixtures/jinja/cohere-goldens.json
  - the whole llama.cpp corpus (for SCRAWL_JINJA_GOLDENS): one --extra-template per .jinja file of
    llama-cpp-python 0.3.36's vendor/llama.cpp/models/templates.

strftime_now is pinned to NOW (below) so date-stamping templates are reproducible; the Swift test passes
the same instant.
"""
import argparse
import datetime as dt
import json
import os
import sys

import transformers
import transformers.utils.chat_template_utils as ctu

sys.path.insert(0, os.path.dirname(__file__))

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "jinja")
NOW = dt.datetime(2026, 3, 5, 14, 7, 9)


class FixedDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW


ctu.datetime = FixedDatetime

SYSTEM = "You are a careful assistant. Answer briefly."
CONVERSATIONS = {
    "system_user": ([{"role": "system", "content": SYSTEM},
                     {"role": "user", "content": "Hello, how are you?"}], True),
    "user_image": ([{"role": "user", "content": [{"type": "image"},
                                                 {"type": "text", "text": "Read the handwriting in this image."}]}], True),
    "multi_turn": ([{"role": "user", "content": "What is 2+2?"},
                    {"role": "assistant", "content": "2+2 is 4."},
                    {"role": "user", "content": "And 3+3?"}], True),
    "multi_turn_no_prompt": ([{"role": "system", "content": SYSTEM},
                              {"role": "user", "content": "Name a colour."},
                              {"role": "assistant", "content": "  Blue.  "}], False),
    "non_ascii": ([{"role": "user", "content": "Grüße, 東京, emoji 📝 — «quotes» \"double\" 'single'\n  indented\ttab\\backslash"}], True),
    "user_no_prompt": ([{"role": "user", "content": "Hi"}], False),
    "image_multi_turn": ([{"role": "system", "content": SYSTEM},
                          {"role": "user", "content": [{"type": "text", "text": "Compare:"}, {"type": "image"},
                                                       {"type": "image"}, {"type": "text", "text": "Which is neater?"}]},
                          {"role": "assistant", "content": [{"type": "text", "text": "The first."}]},
                          {"role": "user", "content": [{"type": "text", "text": "Why?"}]}], True),
}

# A tool-use conversation (the templates' largest code paths: tojson of schemas, tool calls, tool results).
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city, in °C.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name, e.g. Zürich"},
                                                    "days": {"type": "integer", "enum": [1, 3]}},
                   "required": ["city"]}}}]
TOOL_CONVERSATION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Weather in 東京?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "東京", "days": 1}}}]},
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"},
]
EXTRA_CONVERSATIONS = {
    "tools": (TOOL_CONVERSATION, True, TOOLS),
}

# Special tokens per template family (what the model's tokenizer special_tokens_map would hold);
# transformers passes them to the template as keyword arguments.
DEFAULT_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
FAMILY_TOKENS = [
    ("Qwen", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    ("qwen2-vl", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    ("deepseek", {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}),
    ("llama-cpp-deepseek", {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}),
    ("microsoft-Phi", {"bos_token": "<s>", "eos_token": "<|endoftext|>", "unk_token": "<unk>", "pad_token": "<|endoftext|>"}),
    ("ibm-granite", {"bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>", "unk_token": "<|end_of_text|>", "pad_token": "<|end_of_text|>"}),
    ("openai-gpt-oss", {"bos_token": "<|startoftext|>", "eos_token": "<|return|>", "pad_token": "<|endoftext|>"}),
    ("HuggingFaceTB", {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|im_end|>"}),
    ("GLM", {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}),
    ("Kimi", {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]", "pad_token": "[PAD]"}),
    ("moonshotai", {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]", "pad_token": "[PAD]"}),
    ("cohere", {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>", "pad_token": "<PAD>"}),
]


def tokens_for(name):
    for prefix, tokens in FAMILY_TOKENS:
        if name.startswith(prefix):
            return dict(tokens)
    return dict(DEFAULT_TOKENS)


def render(source, messages, add_generation_prompt, tokens, tools=None):
    try:
        out, _ = ctu.render_jinja_template(conversations=[messages], tools=tools, documents=None, chat_template=source,
                                           add_generation_prompt=add_generation_prompt, **tokens)
        return {"expected": out[0]}
    except Exception as e:  # what the Swift engine must also raise
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def goldens(templates, with_snippets=True):
    result = {"transformers": transformers.__version__, "now": NOW.strftime("%Y-%m-%dT%H:%M:%S"),
              "conversations": {**{k: {"messages": m, "add_generation_prompt": g} for k, (m, g) in CONVERSATIONS.items()},
                                **{k: {"messages": m, "add_generation_prompt": g, "tools": t}
                                   for k, (m, g, t) in EXTRA_CONVERSATIONS.items()}},
              "snippets": snippets() if with_snippets else [],
              "templates": []}
    for name, path, source in templates:
        tokens = tokens_for(name)
        cases = []
        for cid, (messages, gen) in CONVERSATIONS.items():
            case = {"conversation": cid}
            case.update(render(source, messages, gen, tokens))
            cases.append(case)
        for cid, (messages, gen, tools) in EXTRA_CONVERSATIONS.items():
            case = {"conversation": cid}
            case.update(render(source, messages, gen, tokens, tools))
            cases.append(case)
        result["templates"].append({"name": name, "file": path, "kwargs": tokens, "cases": cases})
    return result


def snippets():
    """Small templates exercising one construct each, rendered by the same environment."""
    from snippets_for_jinja import SNIPPETS
    out = []
    for source, variables in SNIPPETS:
        case = {"source": source, "vars": variables}
        try:
            case["expected"] = ctu._compile_jinja_template(source).render(**variables)
        except Exception as e:
            case["error"] = {"type": type(e).__name__, "message": str(e)}
        out.append(case)
    return out


def read_template(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        return json.loads(text)["chat_template"]
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-template", action="append", default=[], help="NAME=PATH of a template not committed")
    parser.add_argument("--extra-out", help="goldens file for --extra-template")
    parser.add_argument("--basename-files", action="store_true",
                        help="record only the file name of each --extra-template (the test supplies the folder)")
    args = parser.parse_args()
    if args.extra_template:
        templates = []
        for spec in args.extra_template:
            name, path = spec.split("=", 1)
            templates.append((name, os.path.basename(path) if args.basename_files else path, read_template(path)))
        out = args.extra_out
    else:
        tdir = os.path.join(FIXTURES, "templates")
        templates = []
        for f in sorted(os.listdir(tdir)):
            if f.endswith(".jinja") or f.endswith(".json"):
                templates.append((f.rsplit(".", 1)[0], "templates/" + f, read_template(os.path.join(tdir, f))))
        out = os.path.join(FIXTURES, "goldens.json")
    data = goldens(templates, with_snippets=not args.basename_files)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    n = sum(len(t["cases"]) for t in data["templates"])
    errors = sum(1 for t in data["templates"] for c in t["cases"] if "error" in c)
    print(f"{len(templates)} templates x {len(CONVERSATIONS) + len(EXTRA_CONVERSATIONS)} conversations = {n} cases ({errors} raise) -> {out}")


if __name__ == "__main__":
    sys.exit(main())
