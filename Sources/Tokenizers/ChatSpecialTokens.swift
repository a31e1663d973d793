/// The special tokens transformers passes to a chat template (`tokenizer.special_tokens_map`:
/// `bos_token`, `eos_token`, ... where set, and `additional_special_tokens` where non-empty).
public struct ChatSpecialTokens: Sendable, Equatable {
    public var bos: String?
    public var eos: String?
    public var unk: String?
    public var sep: String?
    public var pad: String?
    public var cls: String?
    public var mask: String?
    public var additional: [String]

    public init(bos: String? = nil, eos: String? = nil, unk: String? = nil, sep: String? = nil, pad: String? = nil,
                cls: String? = nil, mask: String? = nil, additional: [String] = []) {
        (self.bos, self.eos, self.unk, self.sep, self.pad, self.cls, self.mask) = (bos, eos, unk, sep, pad, cls, mask)
        self.additional = additional
    }

    /// The keyword arguments, named as transformers names them.
    var named: [(String, String?)] {
        [("bos_token", bos), ("eos_token", eos), ("unk_token", unk), ("sep_token", sep), ("pad_token", pad),
         ("cls_token", cls), ("mask_token", mask)]
    }
}
