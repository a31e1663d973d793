/// One `[[inbox]]` table: a folder the daemon watches and how its scans are read.
public struct InboxConfig: Sendable, Equatable {
    /// The watched folder (absolute).
    public var path: String
    /// The model for scans in this inbox; `.scrawl.toml` tags can change it per folder.
    public var model: ModelName
    /// The instruction given to the model with each image.
    public var prompt: String
    /// Cap on generated tokens per scan.
    public var maxTokens: Int
    /// Watch sub-folders too.
    public var recursive: Bool
    /// Where sidecars go; `nil` = beside each scan. When set, the inbox-relative path is mirrored below it.
    public var sidecarDir: String?
    /// A file is taken only after its size and mtime stayed the same this long.
    public var settleMs: Int
    /// Cap on the image's pixel count before the vision tower (a PDF page is rendered straight to it).
    public var maxPixels: Int
    /// Pages of a document read at most; `pdf_text`: "ignore" or "prefer" (see `FolderSettings`).
    public var maxPages: Int = InboxConfig.defaultMaxPages
    public var pdfText: String = "ignore"

    public init(path: String, model: ModelName = .qwen, prompt: String = InboxConfig.defaultPrompt,
                maxTokens: Int = InboxConfig.defaultMaxTokens, recursive: Bool = true, sidecarDir: String? = nil,
                settleMs: Int = InboxConfig.defaultSettleMs, maxPixels: Int = InboxConfig.defaultMaxPixels) {
        self.path = path
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.recursive = recursive
        self.sidecarDir = sidecarDir
        self.settleMs = settleMs
        self.maxPixels = maxPixels
    }

    public static let defaultPrompt = "OCR the Image"
    /// A dense handwritten page is 300–600 tokens; 1024 leaves room without letting a loop run long.
    public static let defaultMaxTokens = 1024
    /// A scanned letter or a notebook's worth of pages; past it the sidecar says the rest was left out.
    public static let defaultMaxPages = 100
    /// Scanners and SMB clients write in bursts; two quiet seconds is enough to call a file finished.
    public static let defaultSettleMs = 2000
    /// 1,003,520 = 1280 × 28 × 28: at most 1280 image tokens (Qwen2-VL's own class default). A
    /// 1000×1000 page (≈ A4 at 120 dpi, enough for handwriting) fits; the file's 12.8 M would let a
    /// phone photo cost 16 k image tokens and many minutes of vision-tower time on a CPU.
    public static let defaultMaxPixels = 1_003_520
}
