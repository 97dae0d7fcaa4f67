-- Incidents and complaints (M8): the recovery-priority register of systems,
-- incidents with their affected systems and an append-only timeline, and
-- customer complaints with their reports to the committee.

CREATE TABLE systems (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    business TEXT NOT NULL,
    priority BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE incidents (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    reporter_id BLOB NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    lead_id BLOB REFERENCES people(id),
    procedure_name TEXT,
    recovery_due_at TEXT,
    recovered_at TEXT,
    board_victim BOOLEAN NOT NULL,
    board_perpetrator BOOLEAN NOT NULL,
    board_reported_on TEXT,
    plan_technical TEXT,
    plan_organisational TEXT,
    plan_document_id BLOB REFERENCES documents(id),
    lessons TEXT,
    closed_at TEXT,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX incidents_reporter ON incidents(reporter_id, reported_at);
CREATE INDEX incidents_state ON incidents(state, reported_at);

CREATE TABLE incident_systems (
    incident_id BLOB NOT NULL REFERENCES incidents(id),
    system_id BLOB NOT NULL REFERENCES systems(id),
    PRIMARY KEY (incident_id, system_id)
);

CREATE TABLE incident_attachments (
    incident_id BLOB NOT NULL REFERENCES incidents(id),
    attachment_id BLOB NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (incident_id, attachment_id)
);

CREATE TABLE incident_entries (
    id BLOB PRIMARY KEY NOT NULL,
    incident_id BLOB NOT NULL REFERENCES incidents(id),
    at TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    corrects_id BLOB REFERENCES incident_entries(id)
);
CREATE INDEX incident_entries_incident ON incident_entries(incident_id, at);

CREATE TABLE complaints (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    customer TEXT NOT NULL,
    content TEXT NOT NULL,
    received_at TEXT NOT NULL,
    manager_id BLOB NOT NULL REFERENCES people(id),
    first_report_at TEXT,
    leak BOOLEAN NOT NULL,
    position TEXT,
    stakeholders_notified_on TEXT,
    closed_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE complaint_updates (
    id BLOB PRIMARY KEY NOT NULL,
    complaint_id BLOB NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES people(id),
    body TEXT NOT NULL
);
CREATE INDEX complaint_updates_complaint ON complaint_updates(complaint_id, at);

-- The timeline is put right by new entries, never edited.
CREATE TRIGGER incident_entries_no_update BEFORE UPDATE ON incident_entries
BEGIN
    SELECT RAISE(ABORT, 'incident_entries is append-only: UPDATE refused');
END;
CREATE TRIGGER incident_entries_no_delete BEFORE DELETE ON incident_entries
BEGIN
    SELECT RAISE(ABORT, 'incident_entries is append-only: DELETE refused');
END;
