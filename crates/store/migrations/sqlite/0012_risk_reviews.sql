-- The annual management-cycle check (RISK-5(2)) and the annual survey of
-- employees and executives on risk management (RISK-5(3)), answered in mamori.

CREATE TABLE risk_cycle_checks (
    id BLOB PRIMARY KEY NOT NULL,
    checked_on TEXT NOT NULL,
    findings TEXT NOT NULL,
    improvements TEXT NOT NULL,
    checked_by BLOB NOT NULL REFERENCES people(id),
    recorded_at TEXT NOT NULL
);

CREATE TABLE risk_surveys (
    id BLOB PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    questions TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    closed_at TEXT,
    follow_up TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE risk_survey_answers (
    survey_id BLOB NOT NULL REFERENCES risk_surveys(id),
    person_id BLOB NOT NULL REFERENCES people(id),
    ratings TEXT NOT NULL,
    comments TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (survey_id, person_id)
);
