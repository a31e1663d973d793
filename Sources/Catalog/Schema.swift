/// The catalog's schema, as an ordered list of migrations. `PRAGMA user_version` records how many ran.
/// Each step is frozen literal SQL: append new steps; never edit a released one.
enum Schema {
    /// The full-text index: one row per page of every live document (migration 5).
    static let ftsTable = "pages_fts"
    /// What the index holds: the pages of the current version of each present path that was read
    /// successfully. The FTS table reads its text from here (external content) and triggers keep it in
    /// sync when a document enters or leaves the live set, so no caller touches the index by hand.
    static let liveView = "live_pages"
    /// The index's definition, as `scrawl reindex` recreates it (the same text as in migration 5).
    static let createFTS = """
        CREATE VIRTUAL TABLE pages_fts USING fts5(text, content = 'live_pages', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2')
        """

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
        CREATE VIEW live_documents AS SELECT id, coalesce(text, '') AS text FROM documents
        WHERE state = 'done' AND superseded_at IS NULL AND removed_at IS NULL;
        DROP TABLE documents_fts;
        CREATE VIRTUAL TABLE documents_fts USING fts5(text, content = 'live_documents', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO documents_fts (documents_fts) VALUES ('rebuild');
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
        // 5: pages. A document is read page by page (a PDF, a multi-page TIFF; a photo is one page): the
        // pages a running job has finished survive a kill (job_pages), every document keeps its pages'
        // text (document_pages, backfilled as page 1 of each existing document), and the index holds one
        // row per live page, kept in sync by triggers instead of by hand.
        """
        ALTER TABLE jobs ADD COLUMN max_pages INTEGER NOT NULL DEFAULT 100;
        ALTER TABLE jobs ADD COLUMN pdf_text TEXT NOT NULL DEFAULT 'ignore';
        ALTER TABLE jobs ADD COLUMN progress_page INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN page_count INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE job_pages (
            job_id      INTEGER NOT NULL REFERENCES jobs(id),
            number      INTEGER NOT NULL,
            result_json TEXT    NOT NULL,
            PRIMARY KEY (job_id, number)
        ) WITHOUT ROWID;
        CREATE TABLE document_pages (
            id          INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            number      INTEGER NOT NULL,
            text        TEXT    NOT NULL,
            origin      TEXT    NOT NULL DEFAULT 'model',
            UNIQUE (document_id, number)
        );
        CREATE VIEW live_pages AS SELECT p.id AS id, p.text AS text FROM document_pages p
        JOIN documents d ON d.id = p.document_id
        WHERE d.state = 'done' AND d.superseded_at IS NULL AND d.removed_at IS NULL;
        DROP TABLE documents_fts;
        DROP VIEW live_documents;
        CREATE VIRTUAL TABLE pages_fts USING fts5(text, content = 'live_pages', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2');
        CREATE TRIGGER document_pages_indexed AFTER INSERT ON document_pages
        WHEN (SELECT state = 'done' AND superseded_at IS NULL AND removed_at IS NULL FROM documents WHERE id = new.document_id)
        BEGIN
            INSERT INTO pages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER documents_leave_index AFTER UPDATE OF state, superseded_at, removed_at ON documents
        WHEN old.state = 'done' AND old.superseded_at IS NULL AND old.removed_at IS NULL
            AND NOT (new.state = 'done' AND new.superseded_at IS NULL AND new.removed_at IS NULL)
        BEGIN
            INSERT INTO pages_fts (pages_fts, rowid, text) SELECT 'delete', id, text FROM document_pages WHERE document_id = old.id;
        END;
        CREATE TRIGGER documents_enter_index AFTER UPDATE OF state, superseded_at, removed_at ON documents
        WHEN NOT (old.state = 'done' AND old.superseded_at IS NULL AND old.removed_at IS NULL)
            AND new.state = 'done' AND new.superseded_at IS NULL AND new.removed_at IS NULL
        BEGIN
            INSERT INTO pages_fts (rowid, text) SELECT id, text FROM document_pages WHERE document_id = new.id;
        END;
        CREATE TRIGGER documents_deleted BEFORE DELETE ON documents
        BEGIN
            INSERT INTO pages_fts (pages_fts, rowid, text)
            SELECT 'delete', p.id, p.text FROM document_pages p
            WHERE p.document_id = old.id AND old.state = 'done' AND old.superseded_at IS NULL AND old.removed_at IS NULL;
            DELETE FROM document_pages WHERE document_id = old.id;
        END;
        INSERT INTO document_pages (document_id, number, text) SELECT id, 1, text FROM documents WHERE text IS NOT NULL;
        """,
    ]

    static var version: Int { migrations.count }
}
