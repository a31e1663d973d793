/// One token of a template: literal text between tags, tag delimiters, and the pieces of expressions.
struct Token {
    enum Kind: Equatable {
        case data(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case eof
    }
    var kind: Kind
    var line: Int
}

/// Splits a template into tokens the way jinja2's lexer does with `trim_blocks=True` and
/// `lstrip_blocks=True` (transformers' environment): newlines normalised to "\n", one trailing newline
/// dropped, `-` strips all whitespace on that side of a tag, `+` keeps it, a block or comment tag
/// alone on its line takes its indentation with it (lstrip_blocks) and the first newline after a block
/// or comment tag is removed (trim_blocks).
struct Lexer {
    private let src: [UInt8]
    private var pos = 0
    private var line = 1
    private var lineStarting = true
    private var tokens: [Token] = []
    private let sourceName: String

    init(_ source: String, sourceName: String) {
        var s = source
        if source.utf8.contains(0x0D) {
            s = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        if s.hasSuffix("\n") { s.removeLast() }
        src = Array(s.utf8)
        self.sourceName = sourceName
    }

    static func tokenize(_ source: String, sourceName: String) throws -> [Token] {
        var lexer = Lexer(source, sourceName: sourceName)
        try lexer.run()
        return lexer.tokens
    }

    private func error(_ message: String) -> JinjaError {
        .syntax(source: sourceName, line: line, message: message)
    }

    private func at(_ i: Int) -> UInt8 { i < src.count ? src[i] : 0 }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: src[from..<to], as: UTF8.self)
    }

    private mutating func advance(to newPos: Int) {
        for i in pos..<newPos where src[i] == 0x0A { line += 1 }
        pos = newPos
    }

    private mutating func run() throws {
        while pos < src.count {
            // The next tag opener.
            var tagStart = pos
            while tagStart + 1 < src.count {
                if src[tagStart] == UInt8(ascii: "{") {
                    let n = src[tagStart + 1]
                    if n == UInt8(ascii: "{") || n == UInt8(ascii: "%") || n == UInt8(ascii: "#") { break }
                }
                tagStart += 1
            }
            if tagStart + 1 >= src.count {
                emitData(text(pos, src.count))
                advance(to: src.count)
                break
            }
            let kind = src[tagStart + 1]
            let sign = at(tagStart + 2)
            var data = Array(src[pos..<tagStart])
            if sign == UInt8(ascii: "-") {
                data = Lexer.rstrip(data)
            } else if sign != UInt8(ascii: "+") && kind != UInt8(ascii: "{") {
                let lPos = (data.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
                if lPos > 0 || lineStarting {
                    let tail = data[lPos...]
                    if !tail.isEmpty && Lexer.isAllWhitespace(Array(tail)) { data.removeSubrange(lPos...) }
                }
            }
            emitData(String(decoding: data, as: UTF8.self))
            advance(to: tagStart)
            let afterOpener = tagStart + 2 + ((sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+")) ? 1 : 0)
            switch kind {
            case UInt8(ascii: "#"):
                try lexComment(from: afterOpener)
            case UInt8(ascii: "%"):
                if try lexRaw(from: afterOpener) { continue }
                tokens.append(Token(kind: .blockBegin, line: line))
                advance(to: afterOpener)
                try lexInside(block: true)
            default:
                tokens.append(Token(kind: .variableBegin, line: line))
                advance(to: afterOpener)
                try lexInside(block: false)
            }
        }
        tokens.append(Token(kind: .eof, line: line))
    }

    private mutating func emitData(_ s: String) {
        if !s.isEmpty { tokens.append(Token(kind: .data(s), line: line)) }
    }

    /// `{# ... #}`: skipped; `-#}` eats following whitespace, `#}` one newline (trim_blocks).
    private mutating func lexComment(from start: Int) throws {
        var i = start
        while i + 1 < src.count, !(src[i] == UInt8(ascii: "#") && src[i + 1] == UInt8(ascii: "}")) { i += 1 }
        guard i + 1 < src.count else { throw error("unterminated comment") }
        var end = i + 2
        let minus = i > start && src[i - 1] == UInt8(ascii: "-")
        let plus = i > start && src[i - 1] == UInt8(ascii: "+")
        if minus {
            while end < src.count, Lexer.isWhitespaceByte(src, end) { end += Lexer.whitespaceLength(src, end) }
        } else if !plus && at(end) == 0x0A {
            end += 1
        }
        advance(to: end)
        lineStarting = end > 0 && src[end - 1] == 0x0A
    }

    /// `{% raw %}...{% endraw %}`: the text between is data, untouched.
    private mutating func lexRaw(from start: Int) throws -> Bool {
        var i = start
        while i < src.count, Lexer.isSpace(src[i]) { i += 1 }
        guard i + 3 <= src.count, text(i, i + 3) == "raw" else { return false }
        i += 3
        while i < src.count, Lexer.isSpace(src[i]) { i += 1 }
        var closeMinus = false
        if at(i) == UInt8(ascii: "-") { closeMinus = true; i += 1 }
        guard at(i) == UInt8(ascii: "%"), at(i + 1) == UInt8(ascii: "}") else { return false }
        i += 2
        if closeMinus { while i < src.count, Lexer.isSpace(src[i]) { i += 1 } }
        // Find {% endraw %} (with optional - / + signs).
        var j = i
        while j + 1 < src.count {
            if src[j] == UInt8(ascii: "{") && src[j + 1] == UInt8(ascii: "%") {
                var k = j + 2
                let sign = at(k)
                if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { k += 1 }
                while k < src.count, Lexer.isSpace(src[k]) { k += 1 }
                if k + 6 <= src.count, text(k, k + 6) == "endraw" {
                    k += 6
                    while k < src.count, Lexer.isSpace(src[k]) { k += 1 }
                    var endMinus = false
                    if at(k) == UInt8(ascii: "-") { endMinus = true; k += 1 }
                    if at(k) == UInt8(ascii: "%"), at(k + 1) == UInt8(ascii: "}") {
                        var body = Array(src[i..<j])
                        if sign == UInt8(ascii: "-") { body = Lexer.rstrip(body) }
                        tokens.append(Token(kind: .data(String(decoding: body, as: UTF8.self)), line: line))
                        k += 2
                        if endMinus {
                            while k < src.count, Lexer.isSpace(src[k]) { k += 1 }
                        } else if at(k) == 0x0A {
                            k += 1
                        }
                        advance(to: k)
                        lineStarting = src[k - 1] == 0x0A
                        return true
                    }
                }
            }
            j += 1
        }
        throw error("missing {% endraw %}")
    }

    private static let twoCharOperators: Set<String> = ["//", "**", "==", "!=", ">=", "<="]
    private static let oneCharOperators = Set("+-/*%~[](){}><=.:|,;".utf8)

    /// The operator at `pos` (longest match first), nil if none.
    private func operatorAt(_ p: Int) -> String? {
        if p + 1 < src.count {
            let two = text(p, p + 2)
            if Lexer.twoCharOperators.contains(two) { return two }
        }
        return Lexer.oneCharOperators.contains(src[p]) ? text(p, p + 1) : nil
    }

    /// The tokens of one `{% %}` or `{{ }}` up to and including its closer.
    private mutating func lexInside(block: Bool) throws {
        var balance: [UInt8] = []
        let closer = block ? UInt8(ascii: "%") : UInt8(ascii: "}")
        while true {
            guard pos < src.count else { throw error(block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'") }
            if balance.isEmpty {
                // Closers: "+%}", "-%}\s*", "%}\n?" (blocks; "}}" likewise without the newline rule).
                var p = pos
                var sign: UInt8 = 0
                if src[p] == UInt8(ascii: "-") || src[p] == UInt8(ascii: "+") { sign = src[p]; p += 1 }
                if at(p) == closer && at(p + 1) == UInt8(ascii: "}") {
                    var end = p + 2
                    if sign == UInt8(ascii: "-") {
                        while end < src.count, Lexer.isWhitespaceByte(src, end) { end += Lexer.whitespaceLength(src, end) }
                    } else if block && sign == 0 && at(end) == 0x0A {
                        end += 1
                    }
                    // "+}}" is not a closer for variables.
                    if !(sign == UInt8(ascii: "+") && !block) {
                        tokens.append(Token(kind: block ? .blockEnd : .variableEnd, line: line))
                        advance(to: end)
                        lineStarting = src[end - 1] == 0x0A
                        return
                    }
                }
            }
            let c = src[pos]
            if Lexer.isSpace(c) {
                advance(to: pos + 1)
                continue
            }
            if Lexer.isDigit(c) {
                try lexNumber()
                continue
            }
            if Lexer.isNameStart(c) {
                var e = pos + 1
                while e < src.count, Lexer.isNameStart(src[e]) || Lexer.isDigit(src[e]) { e += 1 }
                tokens.append(Token(kind: .name(text(pos, e)), line: line))
                advance(to: e)
                continue
            }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                try lexString(quote: c)
                continue
            }
            guard let op = operatorAt(pos) else {
                throw error("unexpected character '\(text(pos, min(pos + 1, src.count)))'")
            }
            switch op {
            case "(": balance.append(UInt8(ascii: ")"))
            case "[": balance.append(UInt8(ascii: "]"))
            case "{": balance.append(UInt8(ascii: "}"))
            case ")", "]", "}":
                guard let expected = balance.popLast() else { throw error("unexpected '\(op)'") }
                if expected != op.utf8.first! { throw error("unexpected '\(op)', expected '\(Character(Unicode.Scalar(expected)))'") }
            default: break
            }
            tokens.append(Token(kind: .op(op), line: line))
            advance(to: pos + op.utf8.count)
        }
    }

    private mutating func lexNumber() throws {
        var e = pos
        func digits() { while e < src.count, Lexer.isDigit(src[e]) || (src[e] == UInt8(ascii: "_") && Lexer.isDigit(at(e + 1))) { e += 1 } }
        digits()
        var isFloat = false
        if at(e) == UInt8(ascii: "."), Lexer.isDigit(at(e + 1)) {
            isFloat = true
            e += 1
            digits()
        }
        if at(e) == UInt8(ascii: "e") || at(e) == UInt8(ascii: "E") {
            var f = e + 1
            if at(f) == UInt8(ascii: "+") || at(f) == UInt8(ascii: "-") { f += 1 }
            if Lexer.isDigit(at(f)) {
                isFloat = true
                e = f
                digits()
            }
        }
        let literal = text(pos, e).replacingOccurrences(of: "_", with: "")
        if isFloat {
            guard let d = Double(literal) else { throw error("bad number \(literal)") }
            tokens.append(Token(kind: .float(d), line: line))
        } else {
            guard let i = Int(literal) else { throw error("integer \(literal) too large") }
            tokens.append(Token(kind: .integer(i), line: line))
        }
        advance(to: e)
    }

    /// A string literal, its escapes decoded as Python's "unicode-escape" codec does.
    private mutating func lexString(quote: UInt8) throws {
        var e = pos + 1
        while e < src.count, src[e] != quote {
            if src[e] == UInt8(ascii: "\\") { e += 1 }
            e += 1
        }
        guard e < src.count else { throw error("unterminated string") }
        let body = text(pos + 1, e)
        tokens.append(Token(kind: .string(Lexer.unescape(body)), line: line))
        advance(to: e + 1)
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = String.UnicodeScalarView()
        let chars = Array(s.unicodeScalars)
        var i = 0
        func hex(_ n: Int) -> Unicode.Scalar? {
            guard i + n < chars.count else { return nil }
            let digits = String(String.UnicodeScalarView(chars[(i + 1)...].prefix(n)))
            guard digits.count == n, let v = UInt32(digits, radix: 16) else { return nil }
            return Unicode.Scalar(v)
        }
        while i < chars.count {
            let c = chars[i]
            guard c == "\\", i + 1 < chars.count else { out.append(c); i += 1; continue }
            let n = chars[i + 1]
            switch n {
            case "n": out.append("\n"); i += 2
            case "t": out.append("\t"); i += 2
            case "r": out.append("\r"); i += 2
            case "\\": out.append("\\"); i += 2
            case "'": out.append("'"); i += 2
            case "\"": out.append("\""); i += 2
            case "a": out.append("\u{07}"); i += 2
            case "b": out.append("\u{08}"); i += 2
            case "f": out.append("\u{0C}"); i += 2
            case "v": out.append("\u{0B}"); i += 2
            case "\n": i += 2
            case "x", "u", "U":
                let width = n == "x" ? 2 : (n == "u" ? 4 : 8)
                i += 1
                if let scalar = hex(width) {
                    out.append(scalar)
                    i += width + 1
                } else {
                    out.append("\\")
                    out.append(n)
                    i += 1
                }
            case "0"..."7":
                var j = i + 1
                var v: UInt32 = 0
                while j < chars.count, j < i + 4, ("0"..."7").contains(chars[j]) {
                    v = v * 8 + (chars[j].value - 48)
                    j += 1
                }
                out.append(Unicode.Scalar(v) ?? "?")
                i = j
            default:
                out.append("\\")
                i += 1
            }
        }
        return String(out)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }

    /// Whether a Python-whitespace character starts at `i` (ASCII or a multi-byte one).
    static func isWhitespaceByte(_ s: [UInt8], _ i: Int) -> Bool { whitespaceLength(s, i) > 0 }

    /// The byte length of the Python-whitespace character at `i`, 0 if there is none.
    static func whitespaceLength(_ s: [UInt8], _ i: Int) -> Int {
        let c = s[i]
        if c < 0x80 { return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) ? 1 : 0 }
        let len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
        guard i + len <= s.count, let scalar = String(decoding: s[i..<i + len], as: UTF8.self).unicodeScalars.first else { return 0 }
        return pyIsSpace(scalar) ? len : 0
    }

    static func isAllWhitespace(_ s: [UInt8]) -> Bool {
        String(decoding: s, as: UTF8.self).unicodeScalars.allSatisfy(pyIsSpace)
    }

    /// Python `str.rstrip()` on UTF-8 bytes.
    static func rstrip(_ s: [UInt8]) -> [UInt8] {
        let str = String(decoding: s, as: UTF8.self)
        var scalars = Array(str.unicodeScalars)
        while let last = scalars.last, pyIsSpace(last) { scalars.removeLast() }
        return Array(String(String.UnicodeScalarView(scalars)).utf8)
    }
}
