import Foundation
import Glibc

/// Writes a scan's two sidecars: the `.txt` (the text alone) first, then the `.json` (which names the
/// text's version, so it goes last). On failure only the `.json` is written and a stale `.txt` from
/// an older version of the scan is removed, so no sidecar shows text that is not this file's.
///
/// Sidecars are written BEFORE `Catalog.complete`: a crash between the two leaves the job queued,
/// it is read again at the next start, and the same sidecars are written again (same model, same
/// prompt, greedy decoding: identical text). Writing them is therefore idempotent.
public enum SidecarSet {
    public static func encode(_ document: SidecarDocument) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document)) + [UInt8(ascii: "\n")]
    }

    /// Writes both files; returns the JSON text written.
    @discardableResult
    public static func write(_ document: SidecarDocument, to paths: SidecarPaths, scanMode: mode_t) throws -> String {
        let mode = SidecarWriter.mode(forScanMode: scanMode)
        let json = try encode(document)
        // Both files are in one folder: opened once, below the root, for both.
        let folder = try SidecarFolder(containing: paths.json, within: paths.root, makingMissing: paths.makesFolders)
        let textName = (paths.text as NSString).lastPathComponent
        if let text = document.text {
            try folder.write(Array(text.utf8) + [UInt8(ascii: "\n")], name: textName, mode: mode, for: paths.text)
        } else {
            folder.remove(textName)
        }
        try folder.write(json, name: (paths.json as NSString).lastPathComponent, mode: mode, for: paths.json)
        return String(decoding: json, as: UTF8.self)
    }

    /// ISO 8601 UTC with milliseconds.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
