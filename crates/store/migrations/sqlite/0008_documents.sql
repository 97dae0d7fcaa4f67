-- The policy as documents (M5, 文書管理規程): the library, versions with
-- their approval requests, readers' notices and comprehension checks,
-- paper copies and outside disclosures.

CREATE TABLE documents (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    code TEXT UNIQUE,
    title TEXT NOT NULL,
    tier TEXT NOT NULL,
    record_kind TEXT,
    parent_id BLOB REFERENCES documents(id),
    owner_id BLOB NOT NULL REFERENCES people(id),
    confidentiality TEXT NOT NULL,
    audience TEXT NOT NULL,
    review_duty_id BLOB REFERENCES periodic_duties(id),
    disposed_at TEXT,
    disposal_reason TEXT,
    disposal_method TEXT,
    disposal_request_id BLOB REFERENCES requests(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE document_versions (
    id BLOB PRIMARY KEY NOT NULL,
    document_id BLOB NOT NULL REFERENCES documents(id),
    number BIGINT NOT NULL,
    body TEXT NOT NULL,
    change_summary TEXT NOT NULL,
    state TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES people(id),
    request_id BLOB REFERENCES requests(id),
    effective_on TEXT,
    approved_on TEXT,
    published_at TEXT,
    quiz TEXT,
    imported BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (document_id, number)
);
CREATE INDEX document_versions_state ON document_versions(state);

CREATE TABLE document_reads (
    version_id BLOB NOT NULL REFERENCES document_versions(id),
    person_id BLOB NOT NULL REFERENCES people(id),
    notified_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    completed_at TEXT,
    attempts BIGINT NOT NULL,
    last_score BIGINT,
    exempt_reason TEXT,
    exempted_by BLOB REFERENCES people(id),
    exempted_at TEXT,
    reminded_at TEXT,
    PRIMARY KEY (version_id, person_id)
);
CREATE INDEX document_reads_person ON document_reads(person_id, completed_at);

CREATE TABLE document_paper_copies (
    id BLOB PRIMARY KEY NOT NULL,
    document_id BLOB NOT NULL REFERENCES documents(id),
    version_number BIGINT NOT NULL,
    copies BIGINT NOT NULL,
    location TEXT NOT NULL,
    holder TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES people(id),
    recorded_at TEXT NOT NULL
);

CREATE TABLE document_disclosures (
    id BLOB PRIMARY KEY NOT NULL,
    document_id BLOB NOT NULL REFERENCES documents(id),
    version_number BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    nda_reference TEXT NOT NULL,
    nda_signed_on TEXT,
    disclosed_by BLOB NOT NULL REFERENCES people(id),
    disclosed_at TEXT NOT NULL
);
