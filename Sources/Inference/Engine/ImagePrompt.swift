import Tokenizers

/// Builds the prompt of one request: the chat template renders a user turn holding the image and the
/// instruction (plus the generation prompt); the model expands the image markup into its image
/// tokens; the tokenizer encodes the result, which must hold exactly the expected image tokens.
public struct ImagePrompt {
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let imageTokenID: Int

    /// The rendered turn, with the template's own markup where the image goes.
    func render(text: String) throws -> String {
        try template.renderImagePrompt(text: text)
    }

    /// The text of `imageTokenID` ("<|image_pad|>"), as the tokenizer spells it.
    func imageToken() throws -> String {
        guard let token = tokenizer.token(forID: imageTokenID) else {
            throw OCRError.tokenizer(reason: "image token id \(imageTokenID) from config.json has no token in the tokenizer")
        }
        return token
    }

    /// Renders the turn, lets `expand` replace the image markup, encodes, and checks that exactly
    /// `imageTokens` image tokens came out (a prompt that itself holds image tokens is refused).
    func tokens(text: String, imageTokens: Int, expand: (String) throws -> String) throws -> [Int] {
        let ids = tokenizer.encode(try expand(try render(text: text)))
        let found = ids.reduce(0) { $0 + ($1 == imageTokenID ? 1 : 0) }
        guard found == imageTokens else {
            let name = (try? imageToken()) ?? "id \(imageTokenID)"
            throw OCRError.promptMismatch(reason: "expected \(imageTokens) \(name) tokens, found \(found) (does the prompt contain \(name)?)")
        }
        return ids
    }
}
