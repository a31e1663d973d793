#!/usr/bin/env python3
"""Records what llama.cpp's llama-server streams for the remote engine's request (per-token
log-probs with token ids included), as the fixture Tests/Fixtures/remote/llama-server-stream.txt
that StreamParsingTests parses.

Converts the tiny Qwen2-VL checkpoint (Tests/Fixtures/qwen2vl/tiny-f32) to GGUF, text model and
vision projector, with llama.cpp's own convert_hf_to_gguf.py, starts llama-server on loopback with
both, sends one streamed chat completion shaped as Sources/RemoteEngine/ChatRequestBody.swift sends
it (the image as a PNG data URL, then the prompt; temperature 0, logprobs true, top_logprobs 1,
stream_options.include_usage), and writes the raw text/event-stream body.

The tiny checkpoint's vision tower has 2 blocks; convert_hf_to_gguf maps "visual.merger.mlp.{bid}"
only for bid < the block count, so the merger's third layer (mlp.2) of a 2-block tower has no name.
The converter is run with its tensor-name map built for at least 4 blocks (names only; no tensor
changes). Real Qwen2-VL checkpoints (32 blocks) need no such patch.

Usage (the reference venv's python has torch, safetensors, numpy; gguf-py comes with llama.cpp):
  record_llama_server_stream.py --llama-cpp LLAMA_CPP_SOURCE --server PATH/TO/llama-server [--out FILE]
  record_llama_server_stream.py --llama-cpp LLAMA_CPP_SOURCE --gguf-only DIR
      (only the conversion: DIR/tiny-f32.gguf and DIR/mmproj-tiny-f32.gguf, for
      Tests/EndToEndTests/RemoteLlamaServerTests.swift)
LLAMA_CPP_SOURCE is a llama.cpp tree (llama-cpp-python's sdist vendors one in vendor/llama.cpp);
the libraries llama-server needs are looked for beside it (LD_LIBRARY_PATH).
"""
import argparse
import base64
import json
import os
import runpy
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT = ROOT / "Tests/Fixtures/qwen2vl/tiny-f32"
IMAGE = ROOT / "Tests/Fixtures/qwen2vl/images/tiny.png"
PROMPT = "Transcribe the handwriting."
MODEL = "tiny-qwen2vl"  # --alias: the name the server lists and streams back

CONVERT = """
import runpy, sys
sys.path.insert(0, {gguf!r}); sys.path.insert(0, {src!r})
import gguf, gguf.tensor_mapping as tm
original = tm.get_tensor_name_map
def at_least_four_blocks(arch, n_blocks):
    return original(arch, max(n_blocks, 4))
tm.get_tensor_name_map = at_least_four_blocks
gguf.get_tensor_name_map = at_least_four_blocks
sys.argv = ["convert_hf_to_gguf.py"] + sys.argv[1:]
runpy.run_path({script!r}, run_name="__main__")
"""


def convert(src, out_dir):
    wrapper = out_dir / "convert.py"
    wrapper.write_text(CONVERT.format(gguf=str(src / "gguf-py"), src=str(src), script=str(src / "convert_hf_to_gguf.py")))
    text = out_dir / "tiny-f32.gguf"
    mmproj = out_dir / "mmproj-tiny-f32.gguf"
    for extra, out in (([], text), (["--mmproj"], mmproj)):
        subprocess.run([sys.executable, str(wrapper), str(CHECKPOINT), *extra, "--outfile", str(out), "--outtype", "f32"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return text, mmproj


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-cpp", required=True, type=Path)
    parser.add_argument("--server", type=Path)
    parser.add_argument("--gguf-only", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "Tests/Fixtures/remote/llama-server-stream.txt")
    parser.add_argument("--max-tokens", type=int, default=4)
    args = parser.parse_args()
    if args.gguf_only:
        args.gguf_only.mkdir(parents=True, exist_ok=True)
        for path in convert(args.llama_cpp.resolve(), args.gguf_only):
            print(path)
        return
    if not args.server:
        parser.error("--server is required (or --gguf-only DIR)")
    with tempfile.TemporaryDirectory() as tmp:
        text, mmproj = convert(args.llama_cpp.resolve(), Path(tmp))
        port = free_port()
        env = dict(os.environ, LD_LIBRARY_PATH=str(args.server.resolve().parent))
        server = subprocess.Popen([str(args.server), "-m", str(text), "--mmproj", str(mmproj), "--host", "127.0.0.1",
                                   "--port", str(port), "-t", "1", "-c", "4096", "--no-warmup", "--alias", MODEL],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/v1"
            for _ in range(120):
                try:
                    urllib.request.urlopen(base + "/models", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.5)
            png = base64.b64encode(IMAGE.read_bytes()).decode()
            body = {
                "model": MODEL,
                "messages": [{"role": "user", "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64," + png}},
                    {"type": "text", "text": PROMPT},
                ]}],
                "max_tokens": args.max_tokens, "stream": True, "stream_options": {"include_usage": True},
                "logprobs": True, "top_logprobs": 1, "temperature": 0,
            }
            request = urllib.request.Request(base + "/chat/completions", data=json.dumps(body, sort_keys=True).encode(),
                                             headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
            raw = urllib.request.urlopen(request, timeout=120).read()
        finally:
            server.kill()
            server.wait()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(raw)
    print(f"wrote {args.out} ({len(raw)} bytes)")


if __name__ == "__main__":
    main()
