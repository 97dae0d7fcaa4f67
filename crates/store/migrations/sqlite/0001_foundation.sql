-- Foundation: organisation, roles, sign-in, sessions, tokens, settings, audit chain.
-- Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (fixed width, so they sort); ids are 16-byte UUIDs.

CREATE TABLE departments (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BLOB REFERENCES departments(id),
    is_information_systems BOOLEAN NOT NULL DEFAULT FALSE,
    is_audit BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX departments_parent ON departments(parent_id);

CREATE TABLE people (
    id BLOB PRIMARY KEY NOT NULL,
    employee_no TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    employment_type TEXT NOT NULL,
    department_id BLOB REFERENCES departments(id),
    joined_on TEXT,
    transferred_on TEXT,
    left_on TEXT,
    language TEXT NOT NULL DEFAULT 'ja',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX people_department ON people(department_id, name_kana);
CREATE INDEX people_kana ON people(name_kana, id);

CREATE TABLE role_assignments (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    department_id BLOB REFERENCES departments(id),
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX role_assignments_person ON role_assignments(person_id);
CREATE INDEX role_assignments_role ON role_assignments(role, department_id);

CREATE TABLE credentials (
    person_id BLOB PRIMARY KEY NOT NULL REFERENCES people(id),
    password_hash TEXT,
    must_change BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TEXT NOT NULL,
    failed_count BIGINT NOT NULL DEFAULT 0,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    locked_until TEXT,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL
);

CREATE TABLE password_history (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX password_history_person ON password_history(person_id, created_at);

CREATE TABLE recovery_codes (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_person ON recovery_codes(person_id);

CREATE TABLE password_resets (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    reset_by BLOB NOT NULL REFERENCES people(id),
    identity_method TEXT NOT NULL,
    identity_note TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id BLOB PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BLOB NOT NULL REFERENCES people(id),
    mfa_pending BOOLEAN NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions(person_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_person ON api_tokens(person_id);

CREATE TABLE sign_in_throttle (
    address TEXT NOT NULL,
    window_start TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (address, window_start)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE delegations (
    id BLOB PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    absent_person_id BLOB NOT NULL REFERENCES people(id),
    deputy_person_id BLOB NOT NULL REFERENCES people(id),
    reason TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    created_by BLOB NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL
);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    before TEXT,
    after TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events(entity_type, entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events(actor_id, seq);
CREATE INDEX audit_events_action ON audit_events(action, seq);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
