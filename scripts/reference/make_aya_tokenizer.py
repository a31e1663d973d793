#!/usr/bin/env python3
"""Trains the small byte-level BPE tokenizer used by the tiny Aya Vision test checkpoints.

Run with the reference venv:  $REFENV/bin/python scripts/reference/make_aya_tokenizer.py

Same pipeline as Cohere's Command R / Aya tokenizer (see ../shared/tokenizers/cohere/SOURCES.md):
normalizer NFC; pre-tokenizer Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False,
use_regex=True)]; BPE (no unk, no byte fallback); ByteLevel decoder; TemplateProcessing post-processor that
prepends <BOS_TOKEN>. Special tokens and their order follow the Cohere tokenizer_config.json: <PAD> <UNK> <CLS>
<SEP> <MASK_TOKEN> <BOS_TOKEN> <EOS_TOKEN> <EOP_TOKEN> take ids 0..7; after the learned vocabulary come the turn
tokens (<|START_OF_TURN_TOKEN|> ... <|EXTRA_9_TOKEN|>, the Command R order) and then the four Aya image tokens
<|START_OF_IMG|> <|END_OF_IMG|> <|IMG_LINE_BREAK|> <|IMG_PATCH|> (in the real checkpoint 255033..255036; here
their ids are just "after the vocabulary" -- engines must read ids from the files).

Training text: written for this project (the English/German/... prose below plus the corpus lines of
make_tokenizer_fixtures.py); no third-party text. Dedicated to the public domain.

Writes Tests/Fixtures/tokenizers/aya-tiny/{tokenizer.json, tokenizer_config.json, special_tokens_map.json}.
The chat template in tokenizer_config.json is the Aya/Cohere template from
../shared/tokenizers/cohere/chat_template.json (a reconstruction written for this project; see SOURCES.md there).
"""
import importlib.util
import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "tokenizers" / "aya-tiny"
VOCAB_SIZE = 3000

LEADING_SPECIALS = ["<PAD>", "<UNK>", "<CLS>", "<SEP>", "<MASK_TOKEN>", "<BOS_TOKEN>", "<EOS_TOKEN>", "<EOP_TOKEN>"]
TURN_TOKENS = (["<|START_OF_TURN_TOKEN|>", "<|END_OF_TURN_TOKEN|>", "<|YES_TOKEN|>", "<|NO_TOKEN|>",
                "<|GOOD_TOKEN|>", "<|BAD_TOKEN|>", "<|USER_TOKEN|>", "<|CHATBOT_TOKEN|>", "<|SYSTEM_TOKEN|>"]
               + [f"<|USER_{i}_TOKEN|>" for i in range(10)] + [f"<|EXTRA_{i}_TOKEN|>" for i in range(10)])
IMAGE_TOKENS = ["<|START_OF_IMG|>", "<|END_OF_IMG|>", "<|IMG_LINE_BREAK|>", "<|IMG_PATCH|>"]

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>' }}{% elif message['role'] == 'user' %}"
    "{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' }}{% else %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}"
    "{% endif %}{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}{% if item['type'] == 'image' %}{{ '<image>' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ '<|END_OF_TURN_TOKEN|>' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{% endif %}"
)

PROSE = """
The handwriting service reads notes that people scan or photograph. A note may be a shopping list, a letter,
a page of a diary, a recipe, a timetable or a quick sketch with a few words beside it. The reader looks at the
page, finds the lines, and writes down what it sees, word by word, keeping the line breaks where they belong.
When a word cannot be read, the reader says so instead of guessing. Numbers are copied digit by digit: dates,
prices, telephone numbers, times of day and page numbers all matter to the person who wrote them.
Transcribe the text in this image exactly. Read the handwritten note. What does the note say? Write the text.
Please copy every line of the page, including the date at the top and the signature at the bottom.
Monday: buy bread, milk, eggs and apples. Tuesday: call the bank at half past nine. Wednesday: return the
library books. Thursday: meeting with the team at two o'clock. Friday: pay the rent and water the plants.
Dear friend, thank you for your letter. We are all well here. The garden is full of flowers this year, and the
children are learning to swim. I hope to visit you in the summer, when the days are long and warm.
Liebe Anna, vielen Dank für deinen Brief. Hier ist alles gut. Der Garten blüht, und die Kinder lernen
schwimmen. Ich hoffe, dich im Sommer zu besuchen. Viele Grüße aus der Stadt, dein Peter.
Chère Marie, merci pour ta lettre. Tout va bien ici. Le jardin est plein de fleurs, et les enfants apprennent
à nager. J'espère te rendre visite cet été. Je t'embrasse, Paul.
Querida Ana, gracias por tu carta. Aquí todo va bien. El jardín está lleno de flores y los niños aprenden a
nadar. Espero visitarte en verano. Un abrazo, Pedro.
Cara Giulia, grazie per la tua lettera. Qui va tutto bene. Il giardino è pieno di fiori e i bambini imparano a
nuotare. Spero di venire a trovarti in estate. Un abbraccio, Marco.
Дорогая Анна, спасибо за письмо. У нас всё хорошо. Сад полон цветов, а дети учатся плавать.
Αγαπητή Άννα, ευχαριστώ για το γράμμα σου. Εδώ είμαστε όλοι καλά.
親愛的朋友，謝謝你的來信。我們這裡一切都好。花園裡開滿了花。
お手紙ありがとうございます。こちらは皆元気です。庭には花がたくさん咲いています。
편지 고마워요. 여기는 모두 잘 지내요. 정원에 꽃이 가득 피었어요.
عزيزي صديقي، شكرا لرسالتك. نحن جميعا بخير هنا.
प्रिय मित्र, आपके पत्र के लिए धन्यवाद। यहाँ सब ठीक है।
Invoice 2024-117: 3 x notebooks at 4.50 each, 12 pencils at 0.35 each, total 18.70 including tax.
Meeting room B, 14:30 to 15:15, agenda: budget review, hiring plan, next steps, any other business.
"""


def training_lines():
    spec = importlib.util.spec_from_file_location("fixtures", ROOT / "scripts" / "reference" / "make_tokenizer_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    lines = [l for l in PROSE.strip().split("\n") if l]
    return lines * 3 + mod.HAND_WRITTEN * 2


def main():
    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=1, show_progress=False,
                                  special_tokens=LEADING_SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(training_lines(), trainer=trainer)
    tok.add_special_tokens(TURN_TOKENS + IMAGE_TOKENS)
    bos = tok.token_to_id("<BOS_TOKEN>")
    tok.post_processor = processors.TemplateProcessing(
        single="<BOS_TOKEN> $A", pair="<BOS_TOKEN> $A <BOS_TOKEN>:1 $B:1", special_tokens=[("<BOS_TOKEN>", bos)])

    OUT.mkdir(parents=True, exist_ok=True)
    tok.save(str(OUT / "tokenizer.json"))

    added = {}
    for content in LEADING_SPECIALS + TURN_TOKENS + IMAGE_TOKENS:
        added[str(tok.token_to_id(content))] = {"content": content, "lstrip": False, "normalized": False,
                                                "rstrip": False, "single_word": False, "special": True}
    config = {
        "add_bos_token": True, "add_eos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": added,
        "bos_token": "<BOS_TOKEN>", "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
        "eos_token": "<|END_OF_TURN_TOKEN|>", "legacy": True, "model_max_length": 16384, "pad_token": "<PAD>",
        "padding_side": "left", "spaces_between_special_tokens": False, "tokenizer_class": "CohereTokenizer",
        "unk_token": None, "use_default_system_prompt": False,
    }
    with open(OUT / "tokenizer_config.json", "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
        f.write("\n")
    with open(OUT / "special_tokens_map.json", "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>", "pad_token": "<PAD>"}, f, indent=2)
        f.write("\n")

    # Self-check: the transformers fast tokenizer loads the folder and agrees with the raw library.
    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(str(OUT))
    sample = "Transcribe the text. 123 Grüße <|IMG_PATCH|>"
    assert hf(sample)["input_ids"] == tok.encode(sample).ids, "transformers and tokenizers disagree"
    print(f"aya-tiny: vocab {tok.get_vocab_size()} (with added tokens), "
          f"<BOS_TOKEN>={bos}, <|IMG_PATCH|>={tok.token_to_id('<|IMG_PATCH|>')}, "
          f"<|END_OF_TURN_TOKEN|>={tok.token_to_id('<|END_OF_TURN_TOKEN|>')}")


if __name__ == "__main__":
    main()
