-- Workflow core: requests and their history, committee meetings, the inbox,
-- the mail outbox, scheduler claims, periodic duties, personal preferences.

CREATE TABLE ref_counters (
    prefix TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE requests (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    requester_id BLOB NOT NULL REFERENCES people(id),
    department_id BLOB REFERENCES departments(id),
    title TEXT NOT NULL,
    document TEXT,
    clause TEXT,
    details TEXT NOT NULL,
    valid_from TEXT,
    valid_until TEXT,
    state TEXT NOT NULL,
    step BIGINT NOT NULL,
    round BIGINT NOT NULL,
    step_due_at TEXT NOT NULL,
    conditions TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX requests_requester ON requests(requester_id, created_at);
CREATE INDEX requests_open ON requests(state, step_due_at);
CREATE INDEX requests_kind ON requests(kind, state);

CREATE TABLE request_events (
    id BLOB PRIMARY KEY NOT NULL,
    request_id BLOB NOT NULL REFERENCES requests(id),
    at TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    step BIGINT NOT NULL,
    round BIGINT NOT NULL,
    comment TEXT,
    on_behalf_of BLOB
);
CREATE INDEX request_events_request ON request_events(request_id, at);

CREATE TABLE meetings (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_at TEXT NOT NULL,
    location TEXT NOT NULL,
    state TEXT NOT NULL,
    minutes TEXT,
    version BIGINT NOT NULL,
    created_by BLOB NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX meetings_held ON meetings(held_at);

CREATE TABLE meeting_attendees (
    meeting_id BLOB NOT NULL REFERENCES meetings(id),
    person_id BLOB NOT NULL REFERENCES people(id),
    standing BOOLEAN NOT NULL,
    present BOOLEAN NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);

CREATE TABLE agenda_items (
    id BLOB PRIMARY KEY NOT NULL,
    meeting_id BLOB NOT NULL REFERENCES meetings(id),
    position BIGINT NOT NULL,
    request_id BLOB REFERENCES requests(id),
    title TEXT NOT NULL,
    decision TEXT,
    reasoning TEXT,
    conditions TEXT,
    decided_at TEXT
);
CREATE INDEX agenda_items_meeting ON agenda_items(meeting_id, position);
CREATE INDEX agenda_items_request ON agenda_items(request_id);

CREATE TABLE action_items (
    id BLOB PRIMARY KEY NOT NULL,
    meeting_id BLOB NOT NULL REFERENCES meetings(id),
    agenda_item_id BLOB REFERENCES agenda_items(id),
    title TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX action_items_owner ON action_items(owner_id, done_at);

CREATE TABLE periodic_duties (
    id BLOB PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES people(id),
    cadence TEXT NOT NULL,
    next_due TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX periodic_duties_owner ON periodic_duties(owner_id, next_due);

CREATE TABLE duty_completions (
    id BLOB PRIMARY KEY NOT NULL,
    duty_id BLOB NOT NULL REFERENCES periodic_duties(id),
    due_on TEXT NOT NULL,
    done_at TEXT NOT NULL,
    done_by BLOB NOT NULL REFERENCES people(id),
    note TEXT NOT NULL
);

CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES people(id),
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_person ON notifications(person_id, created_at);

CREATE TABLE outbox (
    id BLOB PRIMARY KEY NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    person_id BLOB REFERENCES people(id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    sent_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_queue ON outbox(state, next_attempt_at);

CREATE TABLE job_claims (
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    node TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (job, slot)
);

CREATE TABLE person_settings (
    person_id BLOB PRIMARY KEY NOT NULL REFERENCES people(id),
    notify_mode TEXT NOT NULL,
    calendar_token_hash TEXT UNIQUE,
    updated_at TEXT NOT NULL
);
