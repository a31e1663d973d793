/// Aya Vision checkpoint names, normalised to the hub layout (`language_model.model.…`,
/// `vision_tower.vision_model.…`, `multi_modal_projector.…`, `language_model.lm_head.…`), which is
/// also what `save_pretrained` writes in 4.57.6; the in-memory layout of transformers ≥ 4.52
/// (`model.language_model.…`, `model.vision_tower.…`, `model.multi_modal_projector.…`, `lm_head.…`)
/// maps onto it.
enum AyaVisionWeightNames {
    static func normalize(_ name: String) -> String {
        let rules: [(String, String)] = [
            ("model.language_model.", "language_model.model."),
            ("model.vision_tower.", "vision_tower."),
            ("model.multi_modal_projector.", "multi_modal_projector."),
            ("lm_head.", "language_model.lm_head."),
        ]
        for (prefix, replacement) in rules where name.hasPrefix(prefix) {
            return replacement + name.dropFirst(prefix.count)
        }
        return name
    }
}
