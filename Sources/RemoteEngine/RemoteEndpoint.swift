import Foundation

/// Where and how to reach an OpenAI-compatible server (`[models.NAME]` with `url`). Holds where the
/// API key is, never the key itself: the key is read when the engine is made (`APIKey.load`).
public struct RemoteEndpoint: Sendable, Equatable {
    /// The API's base URL, e.g. `http://gpu-box:8000/v1` (`/chat/completions` and `/models` are below it).
    public var url: URL
    /// The server's model name (`"model"` in each request).
    public var model: String
    public var apiKey: APIKeySource
    /// Scans sent at once (servers batch).
    public var maxInFlight: Int
    /// A connection that sends no byte for this long is given up (the scan stays queued).
    public var timeoutS: Int
    /// The pixel grid the image is resized to on this side (Qwen2-VL: 28 = patch 14 × merge 2).
    public var imageFactor: Int
    public var minPixels: Int

    public init(url: URL, model: String, apiKey: APIKeySource = .none, maxInFlight: Int = RemoteEndpoint.defaultMaxInFlight,
                timeoutS: Int = RemoteEndpoint.defaultTimeoutS, imageFactor: Int = 28, minPixels: Int = 3136) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.maxInFlight = maxInFlight
        self.timeoutS = timeoutS
        self.imageFactor = imageFactor
        self.minPixels = minPixels
    }

    public static let defaultMaxInFlight = 4
    public static let defaultTimeoutS = 600
    public static let maxInFlightRange = 1...256
    public static let timeoutRange = 1...86_400

    /// Why `text` cannot be an endpoint URL, nil when it can: http or https, a host, no user or
    /// password (the key goes in a file), no query or fragment.
    public static func problem(withURL text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "'\(text)' is not a URL (write it as http://host:port/v1)"
        }
        guard scheme == "http" || scheme == "https" else { return "the scheme must be http or https, not \(scheme)" }
        guard let host = components.host, !host.isEmpty else { return "the URL has no host" }
        guard components.user == nil && components.password == nil else {
            return "the URL holds a user or password: put the API key in api_key_file (or api_key_credential) instead"
        }
        guard components.query == nil && components.fragment == nil else { return "the URL must have no ?query or #fragment" }
        return nil
    }

    /// The URL as sidecars and logs show it: scheme, host, port and path only.
    public var displayURL: String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? url.absoluteString
    }

    /// `<base>/<path>` with exactly one slash between.
    func url(appending path: String) -> URL {
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + "/" + path) ?? url
    }
}

/// Where the API key is read from.
public enum APIKeySource: Sendable, Equatable {
    /// No `Authorization` header (a server on a private network).
    case none
    /// `api_key_file = "/etc/scrawl/gpu-box.key"`: the file's first line.
    case file(path: String)
    /// `api_key_credential = "gpu-box.key"`: `$CREDENTIALS_DIRECTORY/<name>` (systemd `LoadCredential=`).
    case credential(name: String)
}

/// A bearer token. Its description never shows the key, so it cannot reach a log by accident.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String
    public var description: String { "<api key>" }
    public var debugDescription: String { "<api key>" }

    init(value: String) { self.value = value }

    /// Longest key file read (a key is a line of text).
    static let maxFileBytes = 64 << 10

    /// Reads the key; nil for `.none`. `environment` is the process environment (tests pass their own).
    public static func load(_ source: APIKeySource,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(RemoteEngineError) -> APIKey? {
        let path: String
        switch source {
        case .none: return nil
        case .file(let file): path = file
        case .credential(let name):
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
                throw .apiKey(path: name, reason: "$CREDENTIALS_DIRECTORY is not set: api_key_credential needs systemd's "
                              + "LoadCredential=\(name):/path/to/key in the unit (or use api_key_file)")
            }
            path = directory + "/" + name
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .apiKey(path: path, reason: "cannot be opened (does it exist, and can the daemon's user read it?)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxFileBytes + 1)) ?? Data()
        guard data.count <= maxFileBytes else { throw .apiKey(path: path, reason: "is larger than 64 KiB: not a key") }
        guard let text = String(data: data, encoding: .utf8) else { throw .apiKey(path: path, reason: "is not UTF-8 text") }
        let key = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !key.isEmpty else { throw .apiKey(path: path, reason: "is empty: write the key on its first line") }
        guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .apiKey(path: path, reason: "the key holds spaces or non-ASCII characters")
        }
        return APIKey(value: key)
    }
}
