-- Prepared incident response procedures (INC-4.1(1), RT37) and their
-- drills (INC-4.1(2), RT38).

CREATE TABLE response_procedures (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kinds TEXT NOT NULL,
    start_trigger TEXT NOT NULL,
    end_trigger TEXT NOT NULL,
    roles TEXT NOT NULL,
    lead_id UUID REFERENCES people(id),
    internal_contacts TEXT NOT NULL,
    external_contacts TEXT NOT NULL,
    drill_duty_id UUID REFERENCES periodic_duties(id),
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE drills (
    id UUID PRIMARY KEY NOT NULL,
    procedure_id UUID NOT NULL REFERENCES response_procedures(id),
    held_on DATE NOT NULL,
    scenario TEXT NOT NULL,
    participants TEXT NOT NULL,
    problems TEXT NOT NULL,
    changes TEXT NOT NULL,
    recorded_by UUID NOT NULL REFERENCES people(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX drills_procedure ON drills(procedure_id, held_on);
