-- A lead's open incidents for their tasks, without reading every incident
-- (10,000 in the large organisation).
CREATE INDEX incidents_lead ON incidents(lead_id, recovered_at);
