-- The lists that now come a page at a time, read in their order from an
-- index instead of sorting every row (with its texts) for each page:
-- everyone's requests newest first, checklist rounds latest due first,
-- complaints newest first.
CREATE INDEX requests_created ON requests(created_at, id);
CREATE INDEX checklist_runs_due ON checklist_runs(due_on, id);
CREATE INDEX complaints_received ON complaints(received_at, id);
