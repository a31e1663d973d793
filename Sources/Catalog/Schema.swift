/// The catalog's schema, as an ordered list of migrations. `PRAGMA user_version` records how many ran.
/// Append new steps; never edit a released one.
enum Schema {
    static let ftsTable = "documents_fts"

    /// The searchable documents: the current version of each present path that was read successfully.
    /// The FTS index holds exactly these rows, and reads their text from here (external content).
    static let liveView = "live_documents"
    static let createLiveView = """
        CREATE VIEW \(liveView) AS SELECT id, coalesce(text, '') AS text FROM documents
        WHERE state = 'done' AND superseded_at IS NULL AND removed_at IS NULL
        """

    /// The FTS5 table: text only, rowid = documents.id, content read from `live_documents` (no second
    /// copy of the text). Diacritics folded ("zurich" finds "Zürich").
    static let createFTS = createFTS(named: ftsTable)

    static func createFTS(named name: String) -> String {
        """
        CREATE VIRTUAL TABLE \(name) USING fts5(text, content = '\(liveView)', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2')
        """
    }

    static let migrations: [String] = [
        // 1: jobs, documents (every version of every path, history kept), FTS index of live done documents.
        """
        CREATE TABLE jobs (
            id              INTEGER PRIMARY KEY,
            path            TEXT    NOT NULL,
            sha256          TEXT    NOT NULL,
            bytes           INTEGER NOT NULL,
            mtime           REAL    NOT NULL,
            format          TEXT    NOT NULL,
            inbox           TEXT    NOT NULL,
            model           TEXT    NOT NULL,
            prompt          TEXT    NOT NULL,
            max_tokens      INTEGER NOT NULL,
            state           TEXT    NOT NULL CHECK (state IN ('queued','running','done','failed','cancelled')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            progress_tokens INTEGER NOT NULL DEFAULT 0,
            path_removed    INTEGER NOT NULL DEFAULT 0,
            created_at      REAL    NOT NULL,
            started_at      REAL,
            finished_at     REAL,
            error           TEXT
        );
        CREATE INDEX jobs_by_state ON jobs(state, id);
        CREATE INDEX jobs_by_path ON jobs(path);

        CREATE TABLE documents (
            id            INTEGER PRIMARY KEY,
            path          TEXT    NOT NULL,
            sha256        TEXT    NOT NULL,
            bytes         INTEGER NOT NULL,
            mtime         REAL    NOT NULL,
            format        TEXT    NOT NULL,
            inbox         TEXT    NOT NULL,
            model         TEXT    NOT NULL,
            prompt        TEXT    NOT NULL,
            max_tokens    INTEGER NOT NULL,
            job_id        INTEGER REFERENCES jobs(id),
            reused_from   INTEGER REFERENCES documents(id),
            state         TEXT    NOT NULL CHECK (state IN ('done','failed')),
            text          TEXT,
            error         TEXT,
            engine        TEXT    NOT NULL DEFAULT '',
            checkpoint    TEXT    NOT NULL DEFAULT '',
            config_hash   TEXT    NOT NULL DEFAULT '',
            tokens        INTEGER NOT NULL DEFAULT 0,
            finish_reason TEXT,
            width         INTEGER NOT NULL DEFAULT 0,
            height        INTEGER NOT NULL DEFAULT 0,
            timings_json  TEXT,
            sidecar_json  TEXT,
            created_at    REAL    NOT NULL,
            superseded_at REAL,
            removed_at    REAL
        );
        -- one current (not superseded) version per path
        CREATE UNIQUE INDEX documents_current ON documents(path) WHERE superseded_at IS NULL;
        CREATE INDEX documents_by_path ON documents(path);
        CREATE INDEX documents_by_sha ON documents(sha256);
        CREATE INDEX documents_by_created ON documents(created_at);
        CREATE VIRTUAL TABLE documents_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        """,
        // 2: the index reads text from the live documents instead of keeping its own copy (-25% on disk);
        // documents_current already serves every lookup by path.
        """
        DROP INDEX documents_by_path;
        \(createLiveView);
        DROP TABLE documents_fts;
        \(createFTS);
        INSERT INTO \(ftsTable) (\(ftsTable)) VALUES ('rebuild');
        """,
        // 3: what each file was when it was hashed, so a restart does not read unchanged files again.
        """
        CREATE TABLE seen_files (
            path     TEXT    PRIMARY KEY,
            device   INTEGER NOT NULL,
            inode    INTEGER NOT NULL,
            size     INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256   TEXT    NOT NULL,
            format   TEXT    NOT NULL
        ) WITHOUT ROWID;
        """,
        // 4: what keeps the daemon from working (a missing model, a full disk), for `scrawl status`.
        """
        CREATE TABLE daemon_problems (
            source  TEXT PRIMARY KEY,
            message TEXT NOT NULL,
            since   REAL NOT NULL
        ) WITHOUT ROWID;
        """,
        // 5: the device (st_dev) each inbox was on at its last walk, so an unmounted network inbox is
        // not taken for "every file deleted".
        """
        CREATE TABLE inbox_roots (
            path   TEXT    PRIMARY KEY,
            device INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    static var version: Int { migrations.count }
}
