/// What `stat` says about a file, enough to know its bytes did not change since they were hashed:
/// device, inode, size and mtime in nanoseconds. A file with the same identity as the one the catalog
/// remembers is not read again (a restart on a large inbox costs a stat per file, not a re-hash).
public struct FileIdentity: Sendable, Equatable {
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNs: Int64

    public init(device: Int64, inode: Int64, size: Int64, mtimeNs: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
    }
}

/// A file's identity with the SHA-256 and format of the bytes it had then.
public struct SeenFile: Sendable, Equatable {
    public var identity: FileIdentity
    public var sha256: String
    public var format: String
}
