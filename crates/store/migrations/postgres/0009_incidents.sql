-- Incidents and complaints (M8): the recovery-priority register of systems,
-- incidents with their affected systems and an append-only timeline, and
-- customer complaints with their reports to the committee.

CREATE TABLE systems (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    business TEXT NOT NULL,
    priority BIGINT NOT NULL,
    decided_on DATE NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE incidents (
    id UUID PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    reporter_id UUID NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    confirmed BOOLEAN NOT NULL,
    lead_id UUID REFERENCES people(id),
    procedure_name TEXT,
    recovery_due_at TIMESTAMPTZ,
    recovered_at TIMESTAMPTZ,
    board_victim BOOLEAN NOT NULL,
    board_perpetrator BOOLEAN NOT NULL,
    board_reported_on DATE,
    plan_technical TEXT,
    plan_organisational TEXT,
    plan_document_id UUID REFERENCES documents(id),
    lessons TEXT,
    closed_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incidents_reporter ON incidents(reporter_id, reported_at);
CREATE INDEX incidents_state ON incidents(state, reported_at);

CREATE TABLE incident_systems (
    incident_id UUID NOT NULL REFERENCES incidents(id),
    system_id UUID NOT NULL REFERENCES systems(id),
    PRIMARY KEY (incident_id, system_id)
);

CREATE TABLE incident_attachments (
    incident_id UUID NOT NULL REFERENCES incidents(id),
    attachment_id UUID NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (incident_id, attachment_id)
);

CREATE TABLE incident_entries (
    id UUID PRIMARY KEY NOT NULL,
    incident_id UUID NOT NULL REFERENCES incidents(id),
    at TIMESTAMPTZ NOT NULL,
    author_id UUID NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    corrects_id UUID REFERENCES incident_entries(id)
);
CREATE INDEX incident_entries_incident ON incident_entries(incident_id, at);

CREATE TABLE complaints (
    id UUID PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    customer TEXT NOT NULL,
    content TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    manager_id UUID NOT NULL REFERENCES people(id),
    first_report_at TIMESTAMPTZ,
    leak BOOLEAN NOT NULL,
    position TEXT,
    stakeholders_notified_on DATE,
    closed_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE complaint_updates (
    id UUID PRIMARY KEY NOT NULL,
    complaint_id UUID NOT NULL REFERENCES complaints(id),
    at TIMESTAMPTZ NOT NULL,
    author_id UUID NOT NULL REFERENCES people(id),
    body TEXT NOT NULL
);
CREATE INDEX complaint_updates_complaint ON complaint_updates(complaint_id, at);

-- The timeline is put right by new entries, never edited.
CREATE FUNCTION incident_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'incident_entries is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER incident_entries_no_update BEFORE UPDATE OR DELETE ON incident_entries
    FOR EACH ROW EXECUTE FUNCTION incident_entries_append_only();
