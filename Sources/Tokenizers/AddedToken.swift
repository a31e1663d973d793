/// An entry of `added_tokens` (tokenizer.json) or `added_tokens_decoder` (tokenizer_config.json):
/// a string matched whole in the input before normalisation and BPE, never split.
struct AddedToken: Sendable, Equatable {
    let id: Int
    let content: String
    let special: Bool
    /// Also swallow whitespace to the left / right of a match.
    let lstrip: Bool
    let rstrip: Bool
    /// Match only when not inside a word.
    let singleWord: Bool
    /// Match against the normalised text instead of the raw input.
    let normalized: Bool

    /// Largest id accepted from a file (ids index arrays; real vocabularies are far below it).
    static let maximumID = 1 << 24

    static func parse(_ json: JSONObject, id: Int) throws -> AddedToken {
        guard (0..<maximumID).contains(id) else { throw json.malformed("id", "token id \(id) is outside 0..<\(maximumID)") }
        return AddedToken(id: id, content: try json.string("content"),
                   special: try json.bool("special", default: false),
                   lstrip: try json.bool("lstrip", default: false),
                   rstrip: try json.bool("rstrip", default: false),
                   singleWord: try json.bool("single_word", default: false),
                   normalized: try json.bool("normalized", default: false))
    }
}
