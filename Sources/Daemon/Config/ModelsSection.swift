import Foundation
import Inference
import RemoteEngine

/// Reads `[models]`: `NAME = "/checkpoint"` (the first form, still valid for qwen and aya, and for
/// any other name), or a `[models.NAME]` table holding either `path` (a checkpoint) or `url` + `model`
/// (an OpenAI-compatible endpoint).
///
/// ```toml
/// [models]
/// qwen = "/srv/checkpoints/qwen2-vl-ocr-2b"
/// [models.gpu]
/// url = "http://gpu-box:8000/v1"
/// model = "prithivMLmods/Qwen2-VL-OCR-2B-Instruct"
/// api_key_file = "/etc/scrawl/gpu-box.key"     # or api_key_credential = "gpu-box.key" (systemd LoadCredential=)
/// max_in_flight = 8
/// timeout_s = 600
/// [models.small]
/// path = "/srv/checkpoints/qwen2-vl-ocr-2b"
/// weights = "int8"                             # the language model's linear layers as Q8_0 (see the README)
/// ```
enum ModelsSection {
    static let tableKeys = ["path", "url", "model", "api_key_file", "api_key_credential", "max_in_flight", "timeout_s", "weights"]

    static func parse(_ section: TOMLSection, into registry: inout ModelRegistry) throws {
        for key in section.table.keys.sorted() {
            guard let name = ModelName(rawValue: key) else {
                throw section.invalid(key, "'\(key)' is not a model name: use \(ModelName.rule)")
            }
            if let table = try section.optionalSection(key) {
                registry[name] = try spec(name, table)
            } else if let path = try section.absolutePath(key) {
                registry[name] = ModelSpec(name: name, source: .checkpoint(path: path))
            }
        }
    }

    private static func spec(_ name: ModelName, _ table: TOMLSection) throws -> ModelSpec {
        try table.rejectUnknownKeys(tableKeys)
        let path = try table.absolutePath("path")
        let url = try table.nonEmptyString("url")
        switch (path, url) {
        case (let path?, nil):
            for key in tableKeys.dropFirst(2) where key != "weights" && table.table[key] != nil {
                throw table.invalid(key, "only a remote model (one with url) takes \(key)")
            }
            let weights = try table.oneOf("weights", WeightLoading.names) ?? "checkpoint"
            return ModelSpec(name: name, source: .checkpoint(path: path), weights: weights)
        case (nil, let url?):
            if let problem = RemoteEndpoint.problem(withURL: url) { throw table.invalid("url", problem) }
            guard let parsed = URL(string: url) else { throw table.invalid("url", "'\(url)' is not a URL") }
            guard let model = try table.nonEmptyString("model") else {
                throw table.invalid("url", "a remote model needs model = \"<the server's model name>\" too")
            }
            if table.table["weights"] != nil { throw table.invalid("weights", "only a checkpoint (one with path) takes weights") }
            var endpoint = RemoteEndpoint(url: parsed, model: model)
            switch (try table.absolutePath("api_key_file"), try table.nonEmptyString("api_key_credential")) {
            case (_?, _?):
                throw table.invalid("api_key_credential", "set api_key_file or api_key_credential, not both")
            case (let file?, nil): endpoint.apiKey = .file(path: file)
            case (nil, let credential?):
                guard !credential.contains("/") else {
                    throw table.invalid("api_key_credential", "a credential is a name under $CREDENTIALS_DIRECTORY, without /")
                }
                endpoint.apiKey = .credential(name: credential)
            case (nil, nil): break
            }
            if let value = try table.int("max_in_flight", in: RemoteEndpoint.maxInFlightRange) { endpoint.maxInFlight = value }
            if let value = try table.int("timeout_s", in: RemoteEndpoint.timeoutRange) { endpoint.timeoutS = value }
            return ModelSpec(name: name, source: .remote(endpoint))
        case (_?, _?):
            throw table.invalid("url", "a model is either a checkpoint (path) or an endpoint (url), not both")
        case (nil, nil):
            throw ConfigError.invalidValue(file: table.file, line: table.line(of: nil), key: table.keyName("path"),
                                           reason: "[models.\(name)] needs path = \"/checkpoint/folder\" or url = \"http://host:port/v1\"")
        }
    }
}
