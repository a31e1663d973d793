/// What reading one page of a scan produced. A photo is one page; a PDF or TIFF has one per page.
public struct PageResult: Sendable, Codable, Equatable {
    /// 1-based, in document order.
    public var number: Int
    /// The pixels the page was decoded (or rendered) to, upright.
    public var width: Int
    public var height: Int
    public var text: String
    /// Generated tokens (0 for a text layer).
    public var tokens: Int
    /// eos, max_tokens, loop; "text_layer" when the PDF's own text was taken.
    public var finishReason: String?
    public var timingsMs: [String: Double]
    /// Where the text came from: "model", or "text_layer" (a born-digital PDF page under `pdf_text = "prefer"`).
    public var origin: String

    public static let modelOrigin = "model"
    public static let textLayerOrigin = "text_layer"

    public init(number: Int, width: Int, height: Int, text: String, tokens: Int, finishReason: String?,
                timingsMs: [String: Double] = [:], origin: String = PageResult.modelOrigin) {
        self.number = number
        self.width = width
        self.height = height
        self.text = text
        self.tokens = tokens
        self.finishReason = finishReason
        self.timingsMs = timingsMs
        self.origin = origin
    }

    enum CodingKeys: String, CodingKey {
        case number, width, height, text, tokens, origin
        case finishReason = "finish_reason"
        case timingsMs = "timings_ms"
    }

    /// Page texts joined as pdftotext joins pages: with a form feed between them.
    public static func joinedText(_ pages: [PageResult]) -> String {
        pages.map(\.text).joined(separator: "\u{0C}")
    }
}
