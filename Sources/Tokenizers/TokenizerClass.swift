/// The Hugging Face tokenizer classes scrawl stands in for, with what their `__init__` does when no
/// file names a special token (transformers 4.57.6).
enum TokenizerClass: String, Sendable {
    /// `Qwen2Tokenizer` / `Qwen2TokenizerFast` (Qwen2, Qwen2-VL, Qwen2.5-VL, Qwen3 …).
    case qwen2 = "Qwen2Tokenizer"
    /// `CohereTokenizerFast` (Command R, Aya, Aya Vision). There is no slow Cohere tokenizer.
    case cohere = "CohereTokenizer"

    /// A `tokenizer_class` value; the `Fast` suffix names the same tokenizer.
    init?(className: String) {
        let base = className.hasSuffix("Fast") ? String(className.dropLast(4)) : className
        self.init(rawValue: base)
    }

    /// AutoTokenizer's `TOKENIZER_MAPPING_NAMES` entry for a config.json `model_type` (the model
    /// types of this list map to these classes in 4.57.6).
    init?(modelType: String) {
        switch modelType {
        case "qwen2", "qwen2_vl", "qwen2_5_vl", "qwen2_audio", "qwen2_moe", "qwen2_5_omni", "qwen3", "qwen3_moe",
             "qwen3_vl", "qwen3_vl_moe", "qwen3_omni_moe", "colqwen2", "internvl":
            self = .qwen2
        case "cohere", "cohere2", "aya_vision":
            self = .cohere
        default:
            return nil
        }
    }

    /// The special-token defaults of the class's `__init__` (nil = None).
    var defaultSpecialTokens: [String: String?] {
        switch self {
        case .qwen2:
            return ["bos_token": nil, "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>"]
        case .cohere:
            return ["bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>", "unk_token": "<UNK>"]
        }
    }

    /// Whether transformers can build this tokenizer from vocab.json + merges.txt (it converts the
    /// slow tokenizer); Cohere's needs tokenizer.json.
    var readsVocabAndMerges: Bool { self == .qwen2 }

    /// The pre-tokenization of the slow tokenizer (`PRETOKENIZE_REGEX`), for vocab.json + merges.txt.
    var slowPattern: String {
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    }
}
