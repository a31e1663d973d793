#!/usr/bin/env python3
"""`transformers serve` (the reference library's OpenAI-compatible server) for the remote-engine tests.

Runs transformers' own serve command unchanged (FastAPI + uvicorn, /v1/chat/completions streamed as
server-sent events, /v1/models), with one compatibility shim: Qwen2-VL's processor also loads a
*video* processor, and transformers 4.57's video processors require torchvision, which has no CPU
wheel on PyPI (the CUDA wheel's C ops do not load against torch+cpu). Images never touch the video
processor, so the shim loads the processor without it (video_processor=None); the image processor,
tokenizer, chat template, model and generation are transformers' own.

Usage: serve_openai.py --host 127.0.0.1 --port 8000 [any other `transformers serve` flag]
"""
import sys

from transformers.processing_utils import ProcessorMixin

_load = ProcessorMixin._get_arguments_from_pretrained.__func__
_check = ProcessorMixin.check_argument_for_proper_class


@classmethod
def _arguments_without_video(cls, pretrained_model_name_or_path, **kwargs):
    saved = cls.attributes
    try:
        cls.attributes = [a for a in saved if a != "video_processor"]
        return _load(cls, pretrained_model_name_or_path, **kwargs)
    finally:
        cls.attributes = saved


def _check_allowing_no_video(self, argument_name, argument):
    if argument_name == "video_processor" and argument is None:
        return None
    return _check(self, argument_name, argument)


ProcessorMixin._get_arguments_from_pretrained = _arguments_without_video
ProcessorMixin.check_argument_for_proper_class = _check_allowing_no_video

if __name__ == "__main__":
    from transformers.commands.transformers_cli import main

    sys.argv = ["transformers", "serve"] + sys.argv[1:]
    main()
