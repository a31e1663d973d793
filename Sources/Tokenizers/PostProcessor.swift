/// The `post_processor` of tokenizer.json, applied when special tokens are requested. Supported:
/// `null`, `ByteLevel` (offsets only: ids unchanged), `TemplateProcessing` (single-sequence template),
/// and `Sequence` of these.
indirect enum PostProcessor: Sendable {
    case none
    /// Ids to put before and after the sequence (from TemplateProcessing's `single`).
    case template(prefix: [Int], suffix: [Int])
    case sequence([PostProcessor])

    static func parse(_ json: JSONObject?, file: String) throws -> PostProcessor {
        guard let json else { return .none }
        let type = try json.string("type")
        switch type {
        case "ByteLevel":
            return .none
        case "Sequence":
            return .sequence(try json.objects("processors").map { try parse($0, file: file) })
        case "TemplateProcessing":
            return try parseTemplate(json, file: file)
        default:
            throw TokenizerError.unsupported(file: file, component: "post_processor", type: type)
        }
    }

    private static func parseTemplate(_ json: JSONObject, file: String) throws -> PostProcessor {
        let specials = try json.object("special_tokens")
        var prefix = [Int]()
        var suffix = [Int]()
        var seenSequence = false
        for item in try json.objects("single") {
            if let special = try item.optionalObject("SpecialToken") {
                let name = try special.string("id")
                let entry = try specials.object(name)
                let ids = try entry.array("ids").enumerated().map { index, value -> Int in
                    guard let n = value.intValue else { throw entry.malformed("ids[\(index)]", "expected an integer id") }
                    return n
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            } else if try item.optionalObject("Sequence") != nil {
                guard !seenSequence else { throw item.malformed("Sequence", "a single-sequence template may hold one sequence") }
                seenSequence = true
            } else {
                throw item.malformed("(item)", "expected SpecialToken or Sequence")
            }
        }
        return .template(prefix: prefix, suffix: suffix)
    }

    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .none:
            return ids
        case let .template(prefix, suffix):
            return prefix + ids + suffix
        case let .sequence(steps):
            return steps.reduce(ids) { $1.apply($0) }
        }
    }
}
