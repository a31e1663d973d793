/// Which file names are never taken as scans: partial downloads and editor temp files, dot-files
/// (our own sidecar temp names included), our sidecars and folder tags.
public enum ScanNameFilter {
    static let partialSuffixes = [".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~"]
    static let sidecarSuffixes = [".txt", ".json"]
    /// The folder tag file name.
    public static let tagFileName = ".scrawl.toml"

    /// Whether a file with this name (last path component) may be a scan.
    public static func mayBeScan(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix(".") else { return false }
        let lower = name.lowercased()
        if partialSuffixes.contains(where: lower.hasSuffix) { return false }
        if sidecarSuffixes.contains(where: lower.hasSuffix) { return false }
        return true
    }

    /// Whether a sub-folder with this name is walked (hidden folders such as `.Trash` or `.git` are not).
    public static func mayHoldScans(folder name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".")
    }

    /// Extensions that promise a scan: a file with one whose bytes are NOT a format scrawl reads gets
    /// an error sidecar, any other unreadable file is ignored quietly.
    public static let scanExtensions = [".jpg", ".jpeg", ".jpe", ".png", ".gif", ".pdf", ".tif", ".tiff",
                                        ".heic", ".heif", ".avif", ".webp"]

    public static func claimsToBeImage(_ name: String) -> Bool {
        let lower = name.lowercased()
        return scanExtensions.contains(where: lower.hasSuffix)
    }
}
