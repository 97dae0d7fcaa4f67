-- 運用確認事項 (§5 of every 規程) as checklists: runs, answers, evidence
-- files, and the corrective items a "no" opens.

CREATE TABLE attachments (
    id UUID PRIMARY KEY NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by UUID NOT NULL REFERENCES people(id),
    uploaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE checklist_runs (
    id UUID PRIMARY KEY NOT NULL,
    document TEXT NOT NULL,
    owner_id UUID NOT NULL REFERENCES people(id),
    due_on DATE NOT NULL,
    duty_id UUID REFERENCES periodic_duties(id),
    created_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    UNIQUE (document, owner_id, due_on)
);
CREATE INDEX checklist_runs_owner ON checklist_runs(owner_id, submitted_at);

CREATE TABLE checklist_answers (
    run_id UUID NOT NULL REFERENCES checklist_runs(id),
    obligation_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL,
    attachment_id UUID REFERENCES attachments(id),
    PRIMARY KEY (run_id, obligation_id)
);

CREATE TABLE corrective_items (
    id UUID PRIMARY KEY NOT NULL,
    obligation_id TEXT NOT NULL,
    run_id UUID REFERENCES checklist_runs(id),
    title TEXT NOT NULL,
    owner_id UUID NOT NULL REFERENCES people(id),
    due_on DATE NOT NULL,
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX corrective_items_owner ON corrective_items(owner_id, done_at);
