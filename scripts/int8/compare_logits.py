#!/usr/bin/env python3
"""int8 (Q8_0) against the checkpoint's own 16-bit weights, teacher-forced over N decode steps.

Runs `scrawl bench` twice on the same image: first with the checkpoint's weights (greedy, EOS ignored,
--dump-logits), then with --weights int8 fed the same tokens (--forced-tokens), so both see the same
context at every step. Reports, per step and overall: the relative logit error ||Δ||₂ / ||ref||₂, the
max |Δ| / max |ref|, the KL divergence of the int8 softmax from the reference, and top-1 agreement.

    python3 scripts/int8/compare_logits.py --scrawl .build/release/scrawl --model bench/qwen2vl-2b-random \\
        --image bench/page1000.png --steps 256 --state-dir /tmp/scrawl-state --out /tmp/int8-logits

Needs numpy. Extra arguments after `--` go to both bench runs (e.g. `-- --max-pixels 12845056`).
"""
import argparse, json, os, struct, subprocess, sys

import numpy as np


def read_dump(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"SCRLOGIT":
        sys.exit(f"{path}: not a logit dump")
    version, vocab = struct.unpack_from("<II", data, 8)
    (steps,) = struct.unpack_from("<I", data, len(data) - 4)
    logits = np.frombuffer(data, dtype="<f4", count=steps * vocab, offset=16).reshape(steps, vocab)
    tokens = np.frombuffer(data, dtype="<i4", count=steps, offset=16 + steps * vocab * 4)
    return logits, tokens


def run(cmd, log):
    print("+", " ".join(cmd), flush=True)
    with open(log, "w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scrawl", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--steps", type=int, default=256, help="decode steps compared (the prefill's logits come on top)")
    ap.add_argument("--state-dir", required=True, help="where the int8 cache goes")
    ap.add_argument("--out", required=True, help="folder for the dumps, logs and summary.json")
    ap.add_argument("--reuse", action="store_true", help="keep dumps already in --out")
    args, extra = ap.parse_known_args()
    extra = [a for a in extra if a != "--"]
    os.makedirs(args.out, exist_ok=True)
    ref_path, q8_path = os.path.join(args.out, "reference.logits"), os.path.join(args.out, "int8.logits")
    base = [args.scrawl, "bench", "--model", args.model, "--image", args.image, "--ignore-eos", "--no-warmup"] + extra
    if not (args.reuse and os.path.exists(ref_path)):
        run(base + ["--max-tokens", str(args.steps + 1), "--dump-logits", ref_path], os.path.join(args.out, "reference.txt"))
    if not (args.reuse and os.path.exists(q8_path)):
        run(base + ["--weights", "int8", "--state-dir", args.state_dir, "--forced-tokens", ref_path, "--dump-logits", q8_path],
            os.path.join(args.out, "int8.txt"))

    ref, tokens = read_dump(ref_path)
    q8, _ = read_dump(q8_path)
    n = min(len(ref), len(q8))
    ref, q8 = ref[:n].astype(np.float64), q8[:n].astype(np.float64)
    d = q8 - ref
    rel_l2 = np.linalg.norm(d, axis=1) / np.linalg.norm(ref, axis=1)
    rel_max = np.abs(d).max(axis=1) / np.abs(ref).max(axis=1)

    def log_softmax(x):
        x = x - x.max(axis=1, keepdims=True)
        return x - np.log(np.exp(x).sum(axis=1, keepdims=True))

    lp, lq = log_softmax(ref), log_softmax(q8)
    kl = (np.exp(lp) * (lp - lq)).sum(axis=1)
    top_ref, top_q8 = ref.argmax(axis=1), q8.argmax(axis=1)
    agree = top_ref == top_q8
    # the reference's own picks are its argmax (greedy): check the forcing used them
    forced_ok = bool((tokens[:n] == top_ref).all())
    summary = {
        "steps": int(n), "decode_steps": int(n - 1),
        "relative_l2_error": {"mean": float(rel_l2.mean()), "median": float(np.median(rel_l2)), "max": float(rel_l2.max())},
        "max_abs_over_max_ref": {"mean": float(rel_max.mean()), "max": float(rel_max.max())},
        "kl_divergence": {"mean": float(kl.mean()), "max": float(kl.max())},
        "top1_agreement": float(agree.mean()),
        "top1_agreement_decode_only": float(agree[1:].mean()) if n > 1 else None,
        "reference_tokens_are_its_argmax": forced_ok,
        "first_disagreement_step": int(np.argmin(agree)) if not agree.all() else None,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
