/// Qwen2-VL checkpoint names, normalised to the legacy layout (`visual.…`, `model.…`, `lm_head.…`)
/// whatever transformers version saved them (reference §2.3).
enum Qwen2VLWeightNames {
    static func normalize(_ name: String) -> String {
        let rules: [(String, String)] = [
            ("model.language_model.", "model."),
            ("language_model.model.", "model."),
            ("language_model.lm_head.", "lm_head."),
            ("language_model.", "model."),
            ("model.visual.", "visual."),
        ]
        for (prefix, replacement) in rules where name.hasPrefix(prefix) {
            return replacement + name.dropFirst(prefix.count)
        }
        return name
    }
}
