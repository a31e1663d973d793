#!/usr/bin/env python3
"""Builds the Tokenizers test fixtures from the reference `tokenizers` / `transformers` libraries.

Run with the reference venv:  $REFENV/bin/python scripts/reference/make_tokenizer_fixtures.py

Writes, under Tests/Fixtures/tokenizers/:
  qwen2/                  the real Qwen2(-VL) tokenizer files (Apache-2.0), copied unchanged from
                          ../shared/tokenizers/qwen2 (see qwen2/SOURCES.md)
  qwen2-corpus.json       {"texts": [...], "ids": [[...]...], "decoded": [...]} -- the mixed-script corpus below,
                          encoded (no special tokens added) and decoded by the reference Qwen2 tokenizer
  cohere-corpus-ids.json  ids ONLY for the same texts, encoded by the Cohere (Command R) tokenizer. The Cohere
                          tokenizer itself is CC-BY-NC-4.0 and is never copied into the repository; the tests read
                          it from ../shared/tokenizers/cohere (or $SCRAWL_COHERE_TOKENIZER_DIR) when present.
  aya-tiny-corpus.json    ids of the same texts (add_special_tokens false and true) from aya-tiny/ (built by
                          make_aya_tokenizer.py, which must run first)
  chat-templates.json     prompts rendered by transformers' apply_chat_template (Qwen2: the real template;
                          Aya/Cohere: the template in ../shared/tokenizers/cohere/chat_template.json, rendered with
                          jinja2 exactly as transformers does) for a set of user texts
  aya-tiny-variants/      two variants of aya-tiny/tokenizer.json with their reference encodings (variants.json):
                          extra added tokens with lstrip / rstrip / single_word / normalized, and a ByteLevel
                          pre-tokenizer with add_prefix_space true -- options the shipped files do not use
  qwen2-ocr-flags.json    corpus lines encoded/decoded with the added-token flags of the OCR fine-tune (special
                          false, normalized true for all but <|endoftext|>); the test rebuilds that tokenizer.json
  decode-cases.json       id sequences whose bytes are not valid UTF-8 on their own, with the reference
                          decode (errors="replace") -- for the decoder and the streaming detokenizer

The corpus text is written for this project (no third-party text) and is dedicated to the public domain.
"""
import json
import os
import random
import shutil
import sys
from pathlib import Path

from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SCRAWL_SHARED_TOKENIZERS", ROOT.parent / "shared" / "tokenizers"))
OUT = ROOT / "Tests" / "Fixtures" / "tokenizers"

QWEN_FILES = [
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "chat_template.json",
    "SOURCES.md", "ggml-vocab-qwen2.gguf.inp", "ggml-vocab-qwen2.gguf.out",
]

# Do not edit HAND_WRITTEN: make_aya_tokenizer.py trains the aya-tiny tokenizer on it (and the tiny Aya
# checkpoints under Tests/Fixtures/aya were built with that tokenizer), and the random corpus lines below are
# drawn from it. Add new cases to EXTRA_LINES.
HAND_WRITTEN = [
    "Hello world",
    "Hello wörld 123",
    "The quick brown fox jumps over the lazy dog.",
    "  hello\n\n world 12345 don't DON'T",
    "I'M HERE, YOU'RE THERE, WE'VE BEEN, THEY'LL GO, HE'D SAY, IT'S OK, DON'T",
    "i'm here, you're there, we've been, they'll go, he'd say, it's ok, don't",
    "We'Ve a'lL 'RE 'M 'D 'S 'T 'Ll",
    "Grüße aus München! Die Straße ist übermäßig schön; Öl, Äpfel und Übung.",
    "Ça va? L'été dernier, nous étions à Noël chez François — où était-ce déjà ?",
    "Ελληνικά: Καλημέρα κόσμε, τι κάνεις; ΑΒΓΔ αβγδ ς",
    "Русский текст: Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "العربية: مرحبا بالعالم، كيف حالك؟ ١٢٣٤٥٦٧٨٩٠",
    "हिन्दी: नमस्ते दुनिया, आप कैसे हैं? १२३",
    "中文：你好，世界！今天天气很好。我们去公园散步吧。",
    "日本語：こんにちは世界。カタカナとひらがなと漢字を混ぜた文です。ｶﾀｶﾅ",
    "한국어: 안녕하세요 세계. 오늘 날씨가 좋네요.",
    "ไทย: สวัสดีชาวโลก",
    "עברית: שלום עולם",
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇩🇪 🤖✨ 1️⃣ #️⃣",
    "👋👋👋 wave wave",
    "Numbers: 0 1 12 123 1234 12345 3.14159 -42 1,000,000 1e-9 0x1F ½ ¾ ² ³ Ⅻ ⅷ",
    "Arabic-Indic ٠١٢٣ and Devanagari ०१२ and fullwidth ０１２３ digits",
    "Math: 𝟘𝟙𝟚 𝐀𝐁𝐂 ∑∫∂ √2 ≈ 1.414 ≤ ≥ ≠ ∞",
    "def f(x):\n    return x * 2  # comment\n\nprint(f(21))",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "let url = URL(fileURLWithPath: \"/tmp/a b.txt\")\t// tab then comment",
    "{\"key\": [1, 2, 3], \"nested\": {\"x\": null}}",
    "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
    "SELECT * FROM notes WHERE text MATCH 'hello*' ORDER BY rank;",
    "    leading spaces",
    "trailing spaces    ",
    "multiple     spaces     between",
    "\t\ttabs\tand\tmore\t\t",
    "line one\r\nline two\r\nline three\r\n",
    "mixed\n\r\n\n\rbreaks",
    "\n\n\n",
    " ",
    "  ",
    "\u00a0non-breaking\u00a0space\u00a0",
    "ideographic\u3000space\u3000here",
    "thin\u2009space and narrow\u202fnbsp and zero\u200bwidth",
    "next\u0085line and line\u2028separator and para\u2029separator",
    "vertical\u000btab and form\u000cfeed",
    "literal special tokens: <|im_start|>user\nhi<|im_end|> and <|endoftext|>",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n",
    "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>Read the text.",
    "almost special: <|im_star|> <| im_end |> <|IM_END|> <im_end>",
    "Cohere tokens in text: <BOS_TOKEN><|START_OF_TURN_TOKEN|><|USER_TOKEN|>hi<|END_OF_TURN_TOKEN|>",
    "Aya image: <|START_OF_IMG|>TILE_1<|IMG_PATCH|><|IMG_PATCH|>TILE_GLOBAL<|IMG_PATCH|><|END_OF_IMG|>",
    "Decomposed: e\u0301 a\u0300 o\u0308 n\u0303 vs composed: é à ö ñ",
    "Hangul jamo: \u1100\u1161\u11a8 vs 각",
    "Combining > \u0338 and = \u0338 and < \u0338",
    "Ligatures ﬁ ﬂ and Angstrom \u212b and Ohm \u2126 and Kelvin \u212a",
    "Quotes: “double” ‘single’ «guillemets» „low“ 「corner」",
    "Dashes: - – — ― and ellipsis … and bullets • ·",
    "Currency: $5 €10 £3 ¥100 ₹50 ₿0.1",
    "email@example.com https://example.org/path?q=1&r=2#frag",
    "C:\\Users\\name\\Documents\\file.txt",
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!!!!?????......,,,,;;;;::::''''\"\"\"\"````",
    "ied 4 ½ months",
    "Führer",
    "Shopping list:\n- milk (2L)\n- eggs x12\n- bread\n\nCall mum @ 18:30!!",
    "Dear Sir/Madam,\n\n    I am writing to inform you...\n\nYours faithfully,\nA. N. Other",
    "Meeting notes 2024-03-15: budget +12%, hires 3, Q2 target 1.5M€",
    "Température: 23,5 °C — humidité 60 %",
    "Tiếng Việt: Xin chào thế giới",
    "Türkçe: İstanbul'da ılık bir gün; ĞÜŞİÖÇ ğüşiöç",
    "Polski: Zażółć gęślą jaźń",
    "Español: ¿Dónde está la biblioteca? ¡Allí!",
    "Mixed: abc中文def日本語ghiΑλφαjkl",
    "数字123和English混合456",
    "Tab\tseparated\tvalues\n1\t2\t3",
    "   \n   \n   ",
    "end with newline\n",
    "\nstart with newline",
    "a\n\nb\n\n\nc",
    "x = 'it''s' and y = \"don't\"",
    "'s 't 're at start",
    "ending with apostrophe'",
    "U+FFFD replacement: \ufffd and BOM \ufeff inside",
    "Private use: \ue000\uf8ff and surrogate-range emoji 𝄞 𓀀",
]

# Cases added after the first fixtures were made (appended at the end of the corpus).
EXTRA_LINES = [
    # Supplementary-plane characters followed by combining marks: Foundation's NFC on Linux truncated these
    # (U+10053 U+0323 became U+1E62); found by a 20k-line random comparison with the reference.
    "Linear B + dot below: \U00010053\u0323 tag + dot above: \U000e0074\u0307 math + acute: \U0001d400\u0301",
    "Kaithi composition: \U00011099\U000110ba and musical \U0001d15f\U0001d165 and reorder a\u0301\u0323",
    "Unassigned: \u0380 \U000e0000 \U0001007f\u0300 and noncharacters \ufdd0 \U0010fffe",
    # Long single pieces (the BPE merge queue path, > 64 bytes).
    "x" * 700,
    "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 4,
    "中文字符的一个很长的序列没有任何空格或者标点符号" * 12,
    " " * 300 + "end",
    "👍🏽👨‍👩‍👧❤️" * 30,
    "ab" * 200 + "ba" * 200,
]

POOL = (
    "abcxyzABCXYZ0123456789 \t\n\r.,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`"
    "äöüßÄÖÜéèêçàñ€£¥ αβγΩ абвЖЯ ا ب ت ١٢ नमस ०१ 中文字 かなカナ 한글 👍🏽👨‍👩‍👧❤️ \u00a0\u3000\u2009\u200b\u0301"
)


def make_corpus():
    rng = random.Random(20261125)
    lines = list(HAND_WRITTEN)
    # Pairs of hand-written lines joined by assorted separators (cross-script boundaries).
    seps = [" ", "", "\n", "  ", "\t", "\r\n", "\u00a0", "\u3000", " 42 ", "'s ", "<|im_end|>"]
    for i in range(120):
        a, b = rng.sample(HAND_WRITTEN, 2)
        lines.append(a + rng.choice(seps) + b)
    # Random strings drawn from a mixed pool (regex edge cases: whitespace runs, marks, digits, emoji).
    chars = list(POOL)
    for i in range(200):
        n = rng.randint(1, 60)
        lines.append("".join(rng.choice(chars) for _ in range(n)))
    # One long prompt-sized text (about 2k tokens) to exercise the BPE cache and long pieces.
    lines.append("\n".join(HAND_WRITTEN[:60]) * 2)
    return lines + EXTRA_LINES


def copy_qwen_files():
    dst = OUT / "qwen2"
    dst.mkdir(parents=True, exist_ok=True)
    for name in QWEN_FILES:
        shutil.copyfile(SHARED / "qwen2" / name, dst / name)


def encode_all(tok, texts, add_special_tokens=False):
    return [tok.encode(t, add_special_tokens=add_special_tokens).ids for t in texts]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def chat_templates(texts):
    from transformers import AutoTokenizer
    import jinja2  # noqa: F401  (transformers renders with jinja2; imported to fail early if missing)
    from transformers.utils.chat_template_utils import render_jinja_template

    out = {}
    qwen = AutoTokenizer.from_pretrained(str(OUT / "qwen2"))
    cases = []
    for t in texts:
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": t}]}]
        rendered = qwen.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        cases.append({"text": t, "rendered": rendered,
                      "ids": qwen(rendered, add_special_tokens=False)["input_ids"]})
    out["qwen2"] = {"image_placeholder": "<|vision_start|><|image_pad|><|vision_end|>", "cases": cases}

    cohere_template = json.load(open(SHARED / "cohere" / "chat_template.json"))["chat_template"]
    cases = []
    for t in texts:
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": t}]}]
        rendered, _ = render_jinja_template(conversations=[msgs], chat_template=cohere_template,
                                            add_generation_prompt=True, bos_token="<BOS_TOKEN>",
                                            eos_token="<|END_OF_TURN_TOKEN|>", pad_token="<PAD>")
        cases.append({"text": t, "rendered": rendered[0]})
    out["cohere"] = {"image_placeholder": "<image>", "bos_token": "<BOS_TOKEN>", "cases": cases}
    return out


VARIANT_TEXTS = [
    "a <mask> b", "a<mask>b", "a   <mask>   b", "\t<mask>\n", "<mask>", "x <mask><mask> y",
    "word<sw> <sw> w<sw>w <sw>.", "ünï <NORM> café", "Hello world", "  two spaces", "line\nnext",
    "<lst>  <rst>  both", "1 2 3 <lst>4", "",
    # ignore_merges: whole pieces that are vocabulary entries
    " the", " and", "TILE_GLOBAL", "Transcribe", " handwriting",
]


def make_variants(aya_dir):
    from tokenizers import AddedToken
    out_dir = OUT / "aya-tiny-variants"
    out_dir.mkdir(parents=True, exist_ok=True)
    variants = {}

    tok = Tokenizer.from_file(str(aya_dir / "tokenizer.json"))
    tok.add_tokens([
        AddedToken("<mask>", lstrip=True, rstrip=False, single_word=False, normalized=False, special=True),
        AddedToken("<lst>", lstrip=True, rstrip=False, normalized=False, special=False),
        AddedToken("<rst>", lstrip=False, rstrip=True, normalized=False, special=False),
        AddedToken("<sw>", single_word=True, normalized=False, special=False),
        AddedToken("<NORM>", normalized=True, special=False),
    ])
    tok.save(str(out_dir / "added-tokens.json"))
    variants["added-tokens.json"] = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids,
                                      "decoded_skip_special": tok.decode(tok.encode(t, add_special_tokens=False).ids,
                                                                         skip_special_tokens=True)}
                                     for t in VARIANT_TEXTS]

    def json_variant(name, change):
        spec = json.load(open(aya_dir / "tokenizer.json", encoding="utf-8"))
        change(spec)
        text = json.dumps(spec, ensure_ascii=False)
        (out_dir / name).write_text(text, encoding="utf-8")
        tok = Tokenizer.from_str(text)
        variants[name] = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in VARIANT_TEXTS]

    json_variant("prefix-space.json", lambda spec: spec["pre_tokenizer"]["pretokenizers"][1].update(add_prefix_space=True))
    json_variant("ignore-merges.json", lambda spec: spec["model"].update(ignore_merges=True))
    write_json(out_dir / "variants.json", variants)


def ocr_variant(texts):
    """The Qwen2-VL-OCR-2B tokenizer flags (reference notes section 6.4): all added tokens but <|endoftext|> are
    special: false, normalized: true. Encoded and decoded (skipping special tokens) by the reference library."""
    spec = json.load(open(OUT / "qwen2" / "tokenizer.json", encoding="utf-8"))
    for token in spec["added_tokens"]:
        if token["content"] != "<|endoftext|>":
            token.update(special=False, normalized=True)
    tok = Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
    sample = [t for t in texts if "<|" in t][:20] + texts[:20]
    return [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids,
             "decoded_skip_special": tok.decode(tok.encode(t, add_special_tokens=False).ids, skip_special_tokens=True)}
            for t in sample]


def decode_cases(tok):
    """Id sequences whose byte concatenation is split mid-character or is invalid UTF-8."""
    vocab = tok.get_vocab()
    byte_chars = bytes_to_unicode()
    single_byte_ids = {b: vocab[byte_chars[b]] for b in range(256)}
    seqs = []
    for s in ["ö", "€", "中", "👍🏽", "👨‍👩‍👧", "नमस्ते", "ábc€中👍"]:
        seqs.append([single_byte_ids[b] for b in s.encode("utf-8")])
    bad = [b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x91", b"a\xc3b", b"\xe2\x82\xe2\x82\xac", b"\xed\xa0\x80",
           b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\x80\x80abc", b"\xf0\x9f\x91\x8d\xf0"]
    for b in bad:
        seqs.append([single_byte_ids[x] for x in b])
    # Mixed with special tokens and ids with no token.
    seqs.append([vocab["<|im_start|>"]] + [single_byte_ids[b] for b in "ü".encode()] + [vocab["<|im_end|>"]])
    seqs.append([single_byte_ids[0xe2], vocab["<|im_end|>"], single_byte_ids[0x82], single_byte_ids[0xac]])
    seqs.append([151700, 9707, 151935])
    return [{"ids": s, "decoded": tok.decode(s, skip_special_tokens=False),
             "decoded_skip_special": tok.decode(s, skip_special_tokens=True)} for s in seqs]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    copy_qwen_files()
    texts = make_corpus()
    qwen = Tokenizer.from_file(str(OUT / "qwen2" / "tokenizer.json"))
    write_json(OUT / "qwen2-corpus.json", {
        "source": "scripts/reference/make_tokenizer_fixtures.py (tokenizers reference library)",
        "texts": texts,
        "ids": encode_all(qwen, texts),
        "decoded": [qwen.decode(ids, skip_special_tokens=False) for ids in encode_all(qwen, texts)],
        "decoded_skip_special": [qwen.decode(ids, skip_special_tokens=True) for ids in encode_all(qwen, texts)],
    })
    write_json(OUT / "decode-cases.json", decode_cases(qwen))
    write_json(OUT / "qwen2-ocr-flags.json", ocr_variant(texts))

    cohere_dir = SHARED / "cohere"
    if (cohere_dir / "tokenizer.json").exists():
        cohere = Tokenizer.from_file(str(cohere_dir / "tokenizer.json"))
        write_json(OUT / "cohere-corpus-ids.json", {
            "texts_from": "qwen2-corpus.json",
            "ids": encode_all(cohere, texts),
            "ids_with_special_tokens": encode_all(cohere, texts[:40], add_special_tokens=True),
        })
    else:
        print(f"note: {cohere_dir} missing; cohere-corpus-ids.json not regenerated", file=sys.stderr)

    aya_dir = OUT / "aya-tiny"
    if (aya_dir / "tokenizer.json").exists():
        aya = Tokenizer.from_file(str(aya_dir / "tokenizer.json"))
        write_json(OUT / "aya-tiny-corpus.json", {
            "texts_from": "qwen2-corpus.json",
            "ids": encode_all(aya, texts),
            "ids_with_special_tokens": encode_all(aya, texts, add_special_tokens=True),
            "decoded": [aya.decode(ids, skip_special_tokens=False) for ids in encode_all(aya, texts)],
        })
        make_variants(aya_dir)
    else:
        print("note: run make_aya_tokenizer.py first for aya-tiny-corpus.json", file=sys.stderr)

    prompts = ["Read the text.", "Transcribe this handwritten note exactly.", "Lies den Text: Grüße, 12 €!",
               "", "  spaced  \n multi-line\r\nprompt\t", "literal <|im_end|> and <image> inside"]
    write_json(OUT / "chat-templates.json", chat_templates(prompts))
    print(f"wrote fixtures under {OUT} ({len(texts)} corpus lines)")


if __name__ == "__main__":
    main()
