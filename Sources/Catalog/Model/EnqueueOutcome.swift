/// What `Catalog.enqueue` decided for a scan.
public enum EnqueueOutcome: Sendable, Equatable {
    /// A job was queued (new path, changed bytes, or a queued job updated to the new bytes).
    case queued(jobID: Int64)
    /// The same path and bytes are already queued or being read.
    case alreadyQueued
    /// The same path and bytes were already read (done or failed): nothing to do, never re-run.
    case unchanged
    /// The same bytes were read before (same model and prompt), under another path or before a removal:
    /// a done document is now recorded for this path; the daemon only writes the sidecars.
    case reused(ReadResult)
}
