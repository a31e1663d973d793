#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets (Tests/Fuzz/Corpus/<target>/).

Image seeds are copies of small Tests/Fixtures/imaging/decode files and are not made here.
Run with the reference venv (needs `tokenizers` for the tokenizer.json seeds):
    /work/refenv/bin/python Tests/Fuzz/Scripts/make_seeds.py
"""
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "Corpus"


def write(target, name, data):
    folder = ROOT / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# FuzzConfig: first byte even = scrawl.toml, odd = folder tag.
config_example = (Path(__file__).resolve().parents[3] / "systemd" / "scrawl.toml").read_text()
write("FuzzConfig", "example", b"\x00" + config_example.encode())
write("FuzzConfig", "minimal", b"\x00" + b'[[inbox]]\npath = "/srv/scans"\n')
write("FuzzConfig", "two-inboxes", b"\x00" + b'state_dir = "/tmp/s/"\n[daemon]\nlog_level = "debug"\nstop_grace_s = 0\n'
      b'[models]\nqwen = "/m/q"\n[[inbox]]\npath = "/a/"\nmodel = "aya"\nsidecar_dir = "/t"\nmax_pixels = 3136\n'
      b'[[inbox]]\npath = "/b"\nrecursive = false\nsettle_ms = 0\nprompt = """multi\nline"""\n')
write("FuzzConfig", "inline", b"\x00" + b'inbox = [{path = "/x", max_tokens = 32768}]\ndaemon = {idle_unload_s = 604800}\n')
write("FuzzConfig", "bad-key", b"\x00" + b'[daemon]\nlog_lvl = "info"\n')
write("FuzzConfig", "tag", b"\x01" + b'model = "aya"\nprompt = "Read the note"\nmax_tokens = 256\n')
write("FuzzConfig", "tag-literal", b"\x01" + b"prompt = 'C:\\path'  # comment\nmax_tokens = 0x10\n")
write("FuzzConfig", "tag-unicode", b"\x01" + 'prompt = "Lies die Notiz \\u00fc \U0001F600"\n'.encode())

# FuzzTokenizer: selector bit0 = decode ids (else encode text), bit1 = Aya, bit2 = special tokens.
texts = [
    "Hello world, this is a test.",
    "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>OCR the Image<|im_end|>\n<|im_start|>assistant\n",
    "  leading spaces\r\n\ttabs and 12345 numbers 3.14159",
    "Grüße aus Köln — naïve café, 東京都, 한국어, العربية, emoji 👍🏽👩‍👩‍👧",
    "e\u0301 vs \u00e9, \ufb01 ligature, \u2028 separator",
    "don't I'LL we've 's",
]
for i, t in enumerate(texts):
    write("FuzzTokenizer", f"qwen-text-{i}", bytes([0]) + t.encode())
    write("FuzzTokenizer", f"aya-text-{i}", bytes([2]) + t.encode())
write("FuzzTokenizer", "qwen-special", bytes([4]) + texts[1].encode())
write("FuzzTokenizer", "aya-special", bytes([6]) + "<BOS_TOKEN>hi<EOS_TOKEN>".encode())
ids = [9707, 1879, 11, 151644, 872, 198, 151652, 30543, 99, 104, 151645]
write("FuzzTokenizer", "qwen-ids", bytes([1]) + b"".join(struct.pack("<H", i % 65536) for i in ids))
write("FuzzTokenizer", "qwen-ids-skip", bytes([5]) + b"".join(struct.pack("<H", i % 65536) for i in ids))
write("FuzzTokenizer", "aya-ids", bytes([3]) + b"".join(struct.pack("<H", i) for i in range(0, 600, 7)))

# FuzzSafetensors: valid files of several dtypes, metadata, empty tensors, padding.
def safetensors(entries, metadata=None, pad=b""):
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, blob in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        data += blob
        offset += len(blob)
    text = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(text)) + text + data

write("FuzzSafetensors", "f32", safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))]))
write("FuzzSafetensors", "bf16-meta", safetensors([("model.embed.weight", "BF16", [3], b"\x80\x3f" * 3),
                                                   ("b", "I64", [1], struct.pack("<q", -1))],
                                                  metadata={"format": "pt"}, pad=b"   "))
write("FuzzSafetensors", "empty-tensor", safetensors([("e", "F16", [0, 4], b""), ("u", "U8", [], b"\x07")]))
write("FuzzSafetensors", "empty-header", safetensors([]))

# FuzzTokenizerJSON: tiny byte-level BPE tokenizers in the shapes the parser accepts.
try:
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, normalizers, processors, Regex
except ImportError:
    print("tokenizers not importable: tokenizer.json seeds not written")
else:
    corpus = ["hello world the quick brown fox", "Grüße 東京 123 456", "the theme then there"] * 3
    def tiny(name, configure):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        configure(tok)
        trainer = trainers.BpeTrainer(vocab_size=290, special_tokens=["<s>", "</s>"], show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tok.train_from_iterator(corpus, trainer)
        write("FuzzTokenizerJSON", name, tok.to_str())
    tiny("bytelevel", lambda t: None)
    def qwen_like(t):
        t.normalizer = normalizers.NFC()
        t.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"(?i:'s|'t)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+"),
                                 behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tiny("qwen-like", qwen_like)
    def cohere_like(t):
        t.normalizer = normalizers.NFC()
        t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                   pre_tokenizers.ByteLevel(add_prefix_space=True)])
        t.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", 0)])
    tiny("cohere-like", cohere_like)
