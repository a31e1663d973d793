/// The version written into sidecars (`scrawl_version`) and printed by `scrawl --version`.
public enum ScrawlVersion {
    public static let current = "0.1.0"
}
