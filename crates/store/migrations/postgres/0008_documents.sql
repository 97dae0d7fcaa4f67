-- The policy as documents (M5, 文書管理規程): the library, versions with
-- their approval requests, readers' notices and comprehension checks,
-- paper copies and outside disclosures.

CREATE TABLE documents (
    id UUID PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    code TEXT UNIQUE,
    title TEXT NOT NULL,
    tier TEXT NOT NULL,
    record_kind TEXT,
    parent_id UUID REFERENCES documents(id),
    owner_id UUID NOT NULL REFERENCES people(id),
    confidentiality TEXT NOT NULL,
    audience TEXT NOT NULL,
    review_duty_id UUID REFERENCES periodic_duties(id),
    disposed_at TIMESTAMPTZ,
    disposal_reason TEXT,
    disposal_method TEXT,
    disposal_request_id UUID REFERENCES requests(id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE document_versions (
    id UUID PRIMARY KEY NOT NULL,
    document_id UUID NOT NULL REFERENCES documents(id),
    number BIGINT NOT NULL,
    body TEXT NOT NULL,
    change_summary TEXT NOT NULL,
    state TEXT NOT NULL,
    author_id UUID NOT NULL REFERENCES people(id),
    request_id UUID REFERENCES requests(id),
    effective_on DATE,
    approved_on DATE,
    published_at TIMESTAMPTZ,
    quiz TEXT,
    imported BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (document_id, number)
);
CREATE INDEX document_versions_state ON document_versions(state);

CREATE TABLE document_reads (
    version_id UUID NOT NULL REFERENCES document_versions(id),
    person_id UUID NOT NULL REFERENCES people(id),
    notified_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    attempts BIGINT NOT NULL,
    last_score BIGINT,
    exempt_reason TEXT,
    exempted_by UUID REFERENCES people(id),
    exempted_at TIMESTAMPTZ,
    reminded_at TIMESTAMPTZ,
    PRIMARY KEY (version_id, person_id)
);
CREATE INDEX document_reads_person ON document_reads(person_id, completed_at);

CREATE TABLE document_paper_copies (
    id UUID PRIMARY KEY NOT NULL,
    document_id UUID NOT NULL REFERENCES documents(id),
    version_number BIGINT NOT NULL,
    copies BIGINT NOT NULL,
    location TEXT NOT NULL,
    holder TEXT NOT NULL,
    recorded_by UUID NOT NULL REFERENCES people(id),
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE document_disclosures (
    id UUID PRIMARY KEY NOT NULL,
    document_id UUID NOT NULL REFERENCES documents(id),
    version_number BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    nda_reference TEXT NOT NULL,
    nda_signed_on DATE,
    disclosed_by UUID NOT NULL REFERENCES people(id),
    disclosed_at TIMESTAMPTZ NOT NULL
);
