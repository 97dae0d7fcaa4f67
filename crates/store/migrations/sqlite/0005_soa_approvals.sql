-- Approved versions of the Statement of Applicability (a record, DOC-4.2).
CREATE TABLE soa_approvals (
    id BLOB PRIMARY KEY NOT NULL,
    edition TEXT NOT NULL,
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    approved_by BLOB NOT NULL REFERENCES people(id),
    approved_at TEXT NOT NULL,
    UNIQUE (edition, version)
);
