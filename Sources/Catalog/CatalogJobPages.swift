import Foundation

/// The pages a running job has finished. Each is committed as soon as it is read, so a kill in the
/// middle of page 7 of 12 resumes at page 7: pages 1–6 are taken from here, not read again.
extension Catalog {
    /// Records page `page.number` of a running job (replacing an earlier record of the same page). Best
    /// effort: a catalog busy for more than a moment refuses it (the page is then read again after a kill).
    public func recordPage(jobID: Int64, _ page: PageResult) throws {
        let json = String(decoding: try JSONEncoder().encode(page), as: UTF8.self)
        try writeSoon { db in
            guard try db.scalarInt("SELECT count(*) FROM jobs WHERE id = ? AND state = 'running'", [.int(jobID)]) == 1 else {
                throw CatalogError.jobNotRunning(id: jobID, state: "not running")
            }
            try db.run("INSERT OR REPLACE INTO job_pages (job_id, number, result_json) VALUES (?, ?, ?)",
                       [.int(jobID), .int(page.number), .text(json)])
        }
    }

    /// The pages of `jobID` finished so far, in page order.
    public func finishedPages(jobID: Int64) throws -> [PageResult] {
        try read { db in
            try db.query("SELECT result_json FROM job_pages WHERE job_id = ? ORDER BY number", [.int(jobID)]) { $0.text(0) }
        }.map { try JSONDecoder().decode(PageResult.self, from: Data($0.utf8)) }
    }
}
