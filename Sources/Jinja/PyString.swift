/// Python `str` operations, by code point (Swift's String works by grapheme and canonical equivalence).
enum PyString {
    /// Byte offset of the first `needle` in `s` at or after `from`, nil if absent. UTF-8 matches only
    /// at code point boundaries, so byte search is code point search.
    static func find(_ s: String, _ needle: String, from: Int = 0) -> Int? {
        let h = Array(s.utf8), n = Array(needle.utf8)
        return find(h, n, from: from)
    }

    static func find(_ h: [UInt8], _ n: [UInt8], from: Int = 0) -> Int? {
        if n.isEmpty { return from <= h.count ? from : nil }
        guard h.count >= n.count else { return nil }
        var i = from
        let first = n[0]
        while i <= h.count - n.count {
            if h[i] == first {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func rfind(_ s: String, _ needle: String) -> Int? {
        let h = Array(s.utf8), n = Array(needle.utf8)
        guard h.count >= n.count else { return nil }
        var i = h.count - n.count
        while i >= 0 {
            if Array(h[i..<i + n.count]) == n { return i }
            i -= 1
        }
        return nil
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let h = Array(s.utf8), o = Array(old.utf8), w = Array(new.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(h.count)
        var replaced = 0
        if o.isEmpty {
            // Python inserts `new` before every code point and at the end.
            let scalars = Array(s.unicodeScalars)
            var result = ""
            for c in scalars {
                if count < 0 || replaced < count { result += new; replaced += 1 }
                result.unicodeScalars.append(c)
            }
            if count < 0 || replaced < count { result += new }
            return result
        }
        var i = 0
        while count < 0 || replaced < count, let j = find(h, o, from: i) {
            out += h[i..<j]
            out += w
            i = j + o.count
            replaced += 1
        }
        out += h[i...]
        return String(decoding: out, as: UTF8.self)
    }

    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let isStripped: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? pyIsSpace(c) }
        let scalars = Array(s.unicodeScalars)
        var a = 0, b = scalars.count
        if leading { while a < b && isStripped(scalars[a]) { a += 1 } }
        if trailing { while b > a && isStripped(scalars[b - 1]) { b -= 1 } }
        if a == 0 && b == scalars.count { return s }
        return String(String.UnicodeScalarView(scalars[a..<b]))
    }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on runs of whitespace.
    static func split(_ s: String, _ sep: String?, maxSplit: Int = -1) throws -> [String] {
        guard let sep else {
            var parts: [String] = []
            var current = String.UnicodeScalarView()
            var inWord = false
            var scalars = Array(s.unicodeScalars)[...]
            while let c = scalars.first {
                if pyIsSpace(c) {
                    if inWord {
                        parts.append(String(current))
                        current = String.UnicodeScalarView()
                        inWord = false
                        if maxSplit >= 0 && parts.count >= maxSplit {
                            let rest = String(String.UnicodeScalarView(scalars.drop { pyIsSpace($0) }))
                            if !rest.isEmpty { parts.append(rest) }
                            return parts
                        }
                    }
                } else {
                    current.append(c)
                    inWord = true
                }
                scalars = scalars.dropFirst()
            }
            if inWord { parts.append(String(current)) }
            return parts
        }
        guard !sep.isEmpty else { throw EvalError.runtime("empty separator") }
        let h = Array(s.utf8), n = Array(sep.utf8)
        var parts: [String] = []
        var i = 0
        while maxSplit < 0 || parts.count < maxSplit, let j = find(h, n, from: i) {
            parts.append(String(decoding: h[i..<j], as: UTF8.self))
            i = j + n.count
        }
        parts.append(String(decoding: h[i...], as: UTF8.self))
        return parts
    }

    static func rsplit(_ s: String, _ sep: String?, maxSplit: Int) throws -> [String] {
        if maxSplit < 0 || sep == nil { return try split(s, sep, maxSplit: maxSplit) }
        let sep = sep!
        guard !sep.isEmpty else { throw EvalError.runtime("empty separator") }
        var parts: [String] = []
        var rest = s
        while parts.count < maxSplit, let j = rfind(rest, sep) {
            let bytes = Array(rest.utf8)
            parts.insert(String(decoding: bytes[(j + sep.utf8.count)...], as: UTF8.self), at: 0)
            rest = String(decoding: bytes[..<j], as: UTF8.self)
        }
        parts.insert(rest, at: 0)
        return parts
    }

    static func hasPrefix(_ s: String, _ p: String) -> Bool { s.utf8.starts(with: p.utf8) }
    static func hasSuffix(_ s: String, _ p: String) -> Bool { s.utf8.reversed().starts(with: p.utf8.reversed()) }

    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        let rest = String(String.UnicodeScalarView(s.unicodeScalars.dropFirst()))
        return String(first).uppercased() + rest.lowercased()
    }

    /// Python `str.title()`: upper-case a cased letter after an uncased one, lower-case the rest.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            let cased = c.properties.isCased
            out += previousCased ? String(c).lowercased() : String(c).uppercased()
            previousCased = cased
        }
        return out
    }
}
