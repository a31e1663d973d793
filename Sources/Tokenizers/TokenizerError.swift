import Foundation

/// Why a tokenizer or chat template could not be loaded or used. Every case names the file and,
/// where it applies, the key or type, so a person can fix the checkpoint folder.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required file is not there (e.g. neither tokenizer.json nor vocab.json + merges.txt).
    case missingFile(path: String, hint: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not JSON, or a key is missing or has the wrong type.
    case malformedJSON(file: String, key: String, reason: String)
    /// A component type this implementation does not support (named as in the file).
    case unsupported(file: String, component: String, type: String)
    /// A merge names a token that is not in the vocabulary.
    case invalidMerge(file: String, index: Int, merge: String, reason: String)
    /// A regular expression in the file does not compile.
    case invalidRegex(file: String, pattern: String, reason: String)
    /// A post-processor or template refers to a token the vocabulary does not have.
    case unknownToken(file: String, token: String)
    /// The folder's files are incomplete or ambiguous as a tokenizer (names the file and what is wrong).
    case layout(file: String, reason: String)
    /// No chat template in the checkpoint folder.
    case missingChatTemplate(directory: String)

    public var description: String {
        switch self {
        case let .missingFile(path, hint):
            return "tokenizer file missing: \(path) (\(hint))"
        case let .unreadableFile(path, reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case let .malformedJSON(file, key, reason):
            return "malformed tokenizer JSON in \(file) at key '\(key)': \(reason)"
        case let .unsupported(file, component, type):
            return "unsupported \(component) type '\(type)' in \(file) (supported: the byte-level BPE pipelines of Qwen2 and Cohere/Aya)"
        case let .invalidMerge(file, index, merge, reason):
            return "invalid merge #\(index) '\(merge)' in \(file): \(reason)"
        case let .invalidRegex(file, pattern, reason):
            return "regular expression in \(file) does not compile (\(reason)): \(pattern)"
        case let .unknownToken(file, token):
            return "\(file) refers to token '\(token)', which is not in the vocabulary"
        case let .layout(file, reason):
            return "tokenizer folder problem at \(file): \(reason)"
        case let .missingChatTemplate(directory):
            return "no chat template in \(directory) (looked for chat_template.jinja, chat_template.json and tokenizer_config.json \"chat_template\")"
        }
    }
}
