/// Where a scan's sidecars go: `note.jpg` → `note.jpg.txt` and `note.jpg.json`, beside the scan or,
/// with `sidecar_dir`, at the same inbox-relative path below it.
public struct SidecarPaths: Equatable, Sendable {
    public var text: String
    public var json: String
    /// The folder the sidecars must stay inside (sidecar_dir, or the inbox): a symbolic link below it
    /// never leads a sidecar out. nil: not checked. Not part of equality (it follows from the paths).
    public var root: String?
    /// Whether missing folders on the way are made: below sidecar_dir yes; beside the scan no (its
    /// folder exists, or the scan is gone). Not part of equality.
    public var makesFolders: Bool

    public init(text: String, json: String, root: String? = nil, makesFolders: Bool = true) {
        self.text = text
        self.json = json
        self.root = root
        self.makesFolders = makesFolders
    }

    public static func == (lhs: SidecarPaths, rhs: SidecarPaths) -> Bool {
        lhs.text == rhs.text && lhs.json == rhs.json
    }

    public init(scan: String, inbox: InboxConfig) {
        let base: String
        if let dir = inbox.sidecarDir, isInside(scan, root: inbox.path) {
            base = dir + scan.dropFirst(inbox.path.count)
            root = dir
            makesFolders = true
        } else {
            base = scan
            root = inbox.path
            makesFolders = false
        }
        text = base + ".txt"
        json = base + ".json"
    }
}
