-- Obligations: what was recorded about each (append-only), and the
-- Statement of Applicability per Annex A edition.

CREATE TABLE obligation_assessments (
    id UUID PRIMARY KEY NOT NULL,
    obligation_id TEXT NOT NULL,
    finding TEXT NOT NULL,
    note TEXT NOT NULL,
    evidence TEXT NOT NULL,
    assessed_by UUID NOT NULL REFERENCES people(id),
    assessed_at TIMESTAMPTZ NOT NULL,
    assessed_on DATE NOT NULL
);
CREATE INDEX obligation_assessments_obligation ON obligation_assessments(obligation_id, assessed_at);

CREATE TABLE soa_entries (
    edition TEXT NOT NULL,
    control_id TEXT NOT NULL,
    applicable BOOLEAN NOT NULL,
    justification TEXT NOT NULL,
    implementation TEXT NOT NULL,
    updated_by UUID NOT NULL REFERENCES people(id),
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (edition, control_id)
);
