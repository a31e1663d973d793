/// An incremental parser of a `text/event-stream` body (the WHATWG rules the OpenAI streaming API
/// follows): lines end in LF, CRLF or CR; `data:` lines (one optional space after the colon) are
/// joined with LF; a blank line ends an event; `:` lines are comments; other fields are ignored.
/// Bytes arrive in arbitrary pieces: a line split across pieces waits for its end.
public struct ServerSentEvents: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false

    public init() {}

    /// Feeds bytes; returns the data of every event they complete, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        var events: [String] = []
        for byte in bytes {
            if byte == 0x0A && lastWasCR { lastWasCR = false; continue }  // the LF of a CRLF
            lastWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// At the end of the body: an event without its closing blank line is dropped, as the rules say.
    public mutating func finish() {
        line.removeAll()
        data.removeAll()
        hasData = false
    }

    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else { return nil }
            let event = String(decoding: data, as: UTF8.self)
            data.removeAll(keepingCapacity: true)
            hasData = false
            return event
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var value = line[min(colon + 1, line.endIndex)...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: value)
        hasData = true
        return nil
    }
}
