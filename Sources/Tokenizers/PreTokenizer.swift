import Foundation

/// One step of the `pre_tokenizer` of tokenizer.json. Supported: `Split` (Regex or String pattern,
/// behaviour Isolated), `Digits`, `ByteLevel` (must be the last step), and `Sequence` of these.
enum PreTokenizerStep: Sendable {
    case split(RegexSplitter)
    case digits(individual: Bool)
    case byteLevel(addPrefixSpace: Bool, regex: RegexSplitter?)

    /// Parses a pre_tokenizer object into a flat list of steps.
    static func parse(_ json: JSONObject?, file: String) throws -> [PreTokenizerStep] {
        guard let json else { return [] }
        let type = try json.string("type")
        switch type {
        case "Sequence":
            return try json.objects("pretokenizers").flatMap { try parse($0, file: file) }
        case "Split":
            let behavior = try json.string("behavior")
            guard behavior == "Isolated" else {
                throw TokenizerError.unsupported(file: file, component: "Split behavior", type: behavior)
            }
            if try json.bool("invert", default: false) {
                throw TokenizerError.unsupported(file: file, component: "Split", type: "invert: true")
            }
            let pattern = try json.object("pattern")
            if let regex = try pattern.optionalString("Regex") {
                return [.split(try RegexSplitter(pattern: regex, file: file))]
            }
            let literal = try pattern.string("String")
            return [.split(try RegexSplitter(pattern: NSRegularExpression.escapedPattern(for: literal), file: file))]
        case "Digits":
            return [.digits(individual: try json.bool("individual_digits", default: false))]
        case "ByteLevel":
            let useRegex = try json.bool("use_regex", default: true)
            return [.byteLevel(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                               regex: useRegex ? try RegexSplitter(pattern: RegexSplitter.gpt2Pattern, file: file) : nil)]
        default:
            throw TokenizerError.unsupported(file: file, component: "pre_tokenizer", type: type)
        }
    }

    /// Applies the step to every piece, returning the new pieces.
    func apply(_ pieces: [String]) -> [String] {
        var out = [String]()
        out.reserveCapacity(pieces.count * 2)
        for piece in pieces {
            switch self {
            case let .split(splitter):
                splitter.split(piece, into: &out)
            case let .digits(individual):
                Self.splitDigits(piece, individual: individual, into: &out)
            case let .byteLevel(addPrefixSpace, regex):
                let text = (addPrefixSpace && !piece.hasPrefix(" ")) ? " " + piece : piece
                if let regex { regex.split(text, into: &out) } else if !text.isEmpty { out.append(text) }
            }
        }
        return out
    }

    /// `Digits`: numeric characters (Unicode Nd, Nl, No, as Rust's `char::is_numeric`) become their own
    /// pieces (individual) or runs of them do (contiguous); the text between stays as it is.
    private static func splitDigits(_ piece: String, individual: Bool, into out: inout [String]) {
        var current = String.UnicodeScalarView()
        var currentIsDigit = false
        for scalar in piece.unicodeScalars {
            let isDigit = isNumeric(scalar)
            if !current.isEmpty && (isDigit != currentIsDigit || (isDigit && individual)) {
                out.append(String(current))
                current = String.UnicodeScalarView()
            }
            current.append(scalar)
            currentIsDigit = isDigit
        }
        if !current.isEmpty { out.append(String(current)) }
    }

    private static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
