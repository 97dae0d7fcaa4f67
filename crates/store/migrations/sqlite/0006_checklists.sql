-- 運用確認事項 (§5 of every 規程) as checklists: runs, answers, evidence
-- files, and the corrective items a "no" opens.

CREATE TABLE attachments (
    id BLOB PRIMARY KEY NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by BLOB NOT NULL REFERENCES people(id),
    uploaded_at TEXT NOT NULL
);

CREATE TABLE checklist_runs (
    id BLOB PRIMARY KEY NOT NULL,
    document TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    duty_id BLOB REFERENCES periodic_duties(id),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (document, owner_id, due_on)
);
CREATE INDEX checklist_runs_owner ON checklist_runs(owner_id, submitted_at);

CREATE TABLE checklist_answers (
    run_id BLOB NOT NULL REFERENCES checklist_runs(id),
    obligation_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL,
    attachment_id BLOB REFERENCES attachments(id),
    PRIMARY KEY (run_id, obligation_id)
);

CREATE TABLE corrective_items (
    id BLOB PRIMARY KEY NOT NULL,
    obligation_id TEXT NOT NULL,
    run_id BLOB REFERENCES checklist_runs(id),
    title TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX corrective_items_owner ON corrective_items(owner_id, done_at);
