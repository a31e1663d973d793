import Foundation
import Inference
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs one request to the end on the calling thread: body pieces of a 200 answer go to `onBody` as
/// they arrive; a request with no byte for `idleTimeoutS` is given up (`stalled`); a set
/// cancellation flag stops it (`OCRError.cancelled`). What the answer means is the caller's to say.
struct HTTPExchange {
    struct Outcome {
        /// The HTTP status, nil when no response came.
        var status: Int?
        /// The body of an answer that is not 200 (the server's error message), at most 64 KiB.
        var errorBody: [UInt8] = []
        /// Set when the transport failed (refused, DNS, TLS, reset) rather than ending normally.
        var transportError: Error?
    }

    let endpoint: String
    let idleTimeoutS: Int
    var cancellation: CancellationFlag?

    /// How often the waiting thread looks at the cancellation flag and the stall clock.
    static let tick: TimeInterval = 0.2

    func run(_ request: URLRequest, onBody: ([UInt8]) throws -> Void) throws -> Outcome {
        let stream = HTTPStream(request: request, transportTimeout: TimeInterval(idleTimeoutS + 30))
        stream.start()
        var outcome = Outcome()
        var lastByte = ContinuousClock.now
        let idle = Duration.seconds(idleTimeoutS)
        do {
            while true {
                for event in stream.next(timeout: Self.tick) {
                    switch event {
                    case .response(let status):
                        outcome.status = status
                        lastByte = .now
                    case .data(let bytes):
                        lastByte = .now
                        if outcome.status == 200 {
                            try onBody(bytes)
                        } else if outcome.errorBody.count < 65_536 {
                            outcome.errorBody += bytes.prefix(65_536 - outcome.errorBody.count)
                        }
                    case .finished(let error):
                        outcome.transportError = error
                        return outcome
                    }
                }
                if let reason = cancellation?.cancellationReason { throw OCRError.cancelled(reason: reason) }
                if ContinuousClock.now - lastByte > idle { throw RemoteEngineError.stalled(endpoint: endpoint, seconds: idleTimeoutS) }
            }
        } catch {
            stream.cancel()
            throw error
        }
    }

    /// A transport failure in words: URLSession's description with its code.
    static func describe(_ error: Error) -> String {
        if let urlError = error as? URLError {
            return "\(urlError.localizedDescription) (URLError \(urlError.code.rawValue))"
        }
        return "\(error)"
    }
}
