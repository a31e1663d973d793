import Glibc

/// Lists folders with `lstat`: symlinks are reported as such and never followed.
enum FolderWalker {
    /// Entries of one folder (names without "." and ".."), or [] when it cannot be read.
    static func entries(of folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder == "/" ? "/" + name : folder + "/" + name
    }

    /// Direct sub-folders that are real folders (not symlinks).
    static func subfolders(of folder: String) -> [String] {
        entries(of: folder).map { join(folder, $0) }.filter { FileStatus.lstat($0)?.kind == .directory }
    }
}
