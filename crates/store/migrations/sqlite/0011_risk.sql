-- Risk management (M7, リスク管理規程): the organisation's context, the
-- information asset register with links between assets, catalogues of
-- threats and vulnerabilities, the risk register with its controls, dated
-- assessments (snapshots) and new-threat information.

CREATE TABLE risk_context (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    description TEXT NOT NULL,
    issue TEXT NOT NULL,
    source TEXT NOT NULL,
    noted_on TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES people(id),
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE assets (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    process TEXT NOT NULL,
    grp TEXT NOT NULL,
    form TEXT NOT NULL,
    location TEXT NOT NULL,
    usage TEXT NOT NULL,
    users TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES people(id),
    department_id BLOB REFERENCES departments(id),
    c BIGINT NOT NULL,
    i BIGINT NOT NULL,
    a BIGINT NOT NULL,
    importance BIGINT NOT NULL,
    leak_impact TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    note TEXT NOT NULL,
    retired_on TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assets_importance ON assets(importance DESC, ref_no);
CREATE INDEX assets_active ON assets(retired_on);
CREATE INDEX assets_form ON assets(form, importance);
CREATE INDEX assets_owner ON assets(owner_id, ref_no);
CREATE INDEX assets_department ON assets(department_id, ref_no);
CREATE INDEX assets_name ON assets(name);
CREATE INDEX assets_updated ON assets(updated_at);

CREATE TABLE asset_links (
    from_id BLOB NOT NULL REFERENCES assets(id),
    to_id BLOB NOT NULL REFERENCES assets(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
);
CREATE INDEX asset_links_to ON asset_links(to_id);

CREATE TABLE threats (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE vulnerabilities (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    forms TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Past near-misses and incidents considered for a threat (RISK-4.1.3(2)).
CREATE TABLE threat_incidents (
    threat_id BLOB NOT NULL REFERENCES threats(id),
    incident_id BLOB NOT NULL REFERENCES incidents(id),
    PRIMARY KEY (threat_id, incident_id)
);
CREATE INDEX threat_incidents_incident ON threat_incidents(incident_id);

CREATE TABLE risks (
    id BLOB PRIMARY KEY NOT NULL,
    ref_no TEXT NOT NULL UNIQUE,
    asset_id BLOB NOT NULL REFERENCES assets(id),
    threat_id BLOB REFERENCES threats(id),
    vulnerability_id BLOB REFERENCES vulnerabilities(id),
    occasion TEXT NOT NULL,
    situation TEXT NOT NULL,
    cause TEXT NOT NULL,
    manner TEXT NOT NULL,
    impact_text TEXT NOT NULL,
    exclusions TEXT NOT NULL,
    identified BOOLEAN NOT NULL,
    identification_reason TEXT NOT NULL,
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    likelihood_basis TEXT NOT NULL,
    damage_yen BIGINT,
    damage_scope TEXT NOT NULL,
    stakeholders BIGINT,
    conditions TEXT NOT NULL,
    score BIGINT NOT NULL,
    treatments TEXT NOT NULL,
    decision_materials TEXT NOT NULL,
    residual_likelihood BIGINT,
    residual_impact BIGINT,
    residual_score BIGINT,
    procedure TEXT NOT NULL,
    communicated_on TEXT,
    communicated_to TEXT NOT NULL,
    status TEXT NOT NULL,
    request_id BLOB REFERENCES requests(id),
    approved_fingerprint TEXT,
    approved_on TEXT,
    needs_review BOOLEAN NOT NULL,
    owner_id BLOB REFERENCES people(id),
    review_on TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX risks_asset ON risks(asset_id);
CREATE INDEX risks_score ON risks(score DESC, ref_no);
CREATE INDEX risks_residual ON risks((COALESCE(residual_score, score)) DESC, ref_no);
CREATE INDEX risks_heat ON risks(identified, likelihood, impact, status, residual_likelihood, residual_impact);
CREATE INDEX risks_status ON risks(status, ref_no);
CREATE INDEX risks_threat ON risks(threat_id);
CREATE INDEX risks_request ON risks(request_id);

-- Controls chosen for a risk (RISK-4.3), with Annex A and obligation links.
CREATE TABLE risk_controls (
    id BLOB PRIMARY KEY NOT NULL,
    risk_id BLOB NOT NULL REFERENCES risks(id),
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    annex_refs TEXT NOT NULL,
    obligation_ids TEXT NOT NULL,
    owner_id BLOB REFERENCES people(id),
    due_on TEXT,
    done_on TEXT
);
CREATE INDEX risk_controls_risk ON risk_controls(risk_id, position);
CREATE INDEX risk_controls_owner ON risk_controls(owner_id, done_on);

-- A dated assessment: the register as it stood, kept so last year's view stays available.
CREATE TABLE risk_assessments (
    id BLOB PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    taken_by BLOB NOT NULL REFERENCES people(id),
    method TEXT NOT NULL,
    note TEXT NOT NULL
);

CREATE TABLE risk_assessment_rows (
    assessment_id BLOB NOT NULL REFERENCES risk_assessments(id),
    risk_id BLOB NOT NULL,
    ref_no TEXT NOT NULL,
    asset_name TEXT NOT NULL,
    status TEXT NOT NULL,
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    score BIGINT NOT NULL,
    residual_likelihood BIGINT,
    residual_impact BIGINT,
    residual_score BIGINT,
    PRIMARY KEY (assessment_id, risk_id)
);

-- New threat information (RISK-5(4)).
CREATE TABLE threat_intel (
    id BLOB PRIMARY KEY NOT NULL,
    received_on TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    threat_id BLOB REFERENCES threats(id),
    recorded_by BLOB NOT NULL REFERENCES people(id),
    recorded_at TEXT NOT NULL,
    evaluation TEXT,
    evaluated_on TEXT
);
