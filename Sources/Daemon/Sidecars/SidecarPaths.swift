/// Where a scan's sidecars go: `note.jpg` → `note.jpg.txt` and `note.jpg.json`, beside the scan or,
/// with `sidecar_dir`, at the same inbox-relative path below it.
public struct SidecarPaths: Equatable, Sendable {
    public var text: String
    public var json: String

    public init(text: String, json: String) {
        self.text = text
        self.json = json
    }

    public init(scan: String, inbox: InboxConfig) {
        let base: String
        if let dir = inbox.sidecarDir, isInside(scan, root: inbox.path) {
            base = dir + scan.dropFirst(inbox.path.count)
        } else {
            base = scan
        }
        text = base + ".txt"
        json = base + ".json"
    }
}
