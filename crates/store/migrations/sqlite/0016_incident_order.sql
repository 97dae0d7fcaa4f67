-- The incident list pages newest report first (reported_at, id) without
-- sorting every incident.
CREATE INDEX incidents_reported ON incidents(reported_at, id);
