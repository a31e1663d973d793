import Foundation

/// What can go wrong while loading or running an Aya Vision checkpoint. Every message names the file,
/// key, token or tensor involved so a person can fix the checkpoint or the request.
public enum AyaVisionError: Error, CustomStringConvertible, Equatable {
    case missingToken(token: String, file: String)
    case placeholderCount(found: Int, placeholder: String)
    case emptyImage(width: Int, height: Int)

    public var description: String {
        switch self {
        case .missingToken(let token, let file):
            return "\(file): the tokenizer has no token \"\(token)\" (needed to mark the image in the prompt)"
        case .placeholderCount(let found, let placeholder):
            return "the rendered prompt holds \(found) image placeholders \"\(placeholder)\"; exactly one is needed "
                + "(remove \"\(placeholder)\" from the prompt text)"
        case .emptyImage(let width, let height):
            return "the image is \(width)x\(height) pixels; Aya Vision needs at least 1x1"
        }
    }
}
