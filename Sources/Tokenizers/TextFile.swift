import Foundation

/// Reading the text files of a tokenizer folder the way Python's `open(path, encoding="utf-8")` in
/// text mode does (universal newlines: `\r\n`, `\r` and `\n` all end a line), and tolerating what
/// Windows editors and uploads add: a UTF-8 byte-order mark and CRLF line ends.
enum TextFile {
    /// The file's bytes with a leading UTF-8 byte-order mark removed.
    static func bytes(_ url: URL) throws -> [UInt8] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: byteOrderMark) { bytes.removeFirst(byteOrderMark.count) }
        return bytes
    }

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The whole file as Python's text mode reads it: byte-order mark removed, every `\r\n` and `\r`
    /// turned into `\n` (what transformers does to chat_template.jinja before rendering it).
    static func text(_ url: URL) throws -> String {
        var lines = try lines(url)
        let bytes = try bytes(url)
        // `lines` drops the final line end; put it back when the file had one.
        if let last = bytes.last, last == 0x0A || last == 0x0D { lines.append("") }
        return lines.joined(separator: "\n")
    }

    /// The lines of a UTF-8 text file (byte-order mark removed), split at `\r\n`, `\r` or `\n`, without
    /// their line ends. Invalid UTF-8 is an error naming the file (Python would refuse it too).
    static func lines(_ url: URL) throws -> [String] {
        let bytes = try bytes(url)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not valid UTF-8 text")
        }
        // Split on unicode scalars: Swift treats "\r\n" as ONE Character, so splitting a String on the
        // Character "\n" never splits a CRLF file (it would read as one long line).
        var lines = [String]()
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }
}
