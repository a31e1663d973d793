/// One part of a chat message's content: text, or an image (whose pixels travel separately; the
/// template only emits the image's placeholder markup).
public enum ChatContentPart: Sendable, Equatable {
    case text(String)
    case image
}

/// A chat turn as transformers' processors take it: a role ("system", "user", "assistant") and a
/// list of content parts.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: [ChatContentPart]

    public init(role: String, content: [ChatContentPart]) {
        self.role = role
        self.content = content
    }
}
