import Foundation
import Logging
import RemoteEngine

/// What a remote model's `GET /models` says at start, in one sentence for the log. Only a hint:
/// some servers (transformers serve) list a fixed set and serve any name asked for, so a model not
/// listed is said plainly but its scans are still sent; the first read tells for sure.
enum RemoteModelCheck {
    static func run(_ endpoint: RemoteEndpoint) -> (level: Logger.Level, message: String) {
        let served: [String]
        do {
            served = try RemoteEngine(endpoint: endpoint).servedModels()
        } catch {
            return (.warning, "remote model check: \(error); its scans wait in the queue until it answers")
        }
        if served.contains(endpoint.model) {
            return (.info, "remote model check: \(endpoint.displayURL) serves \(endpoint.model)")
        }
        let listed = served.prefix(10).joined(separator: ", ") + (served.count > 10 ? ", …" : "")
        return (.warning, "remote model check: \(endpoint.displayURL) does not list model '\(endpoint.model)' in /models "
            + "(it lists \(served.isEmpty ? "none" : listed)); if the reads fail, set model to the server's name for it")
    }
}
