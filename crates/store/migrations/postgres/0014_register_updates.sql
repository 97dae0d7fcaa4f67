-- The latest change to a risk, read by the obligation evaluation
-- (RISK-4.1.5–4.1.7) without walking the register.
CREATE INDEX risks_updated ON risks(updated_at);
-- Assets in use counted by importance (the risk overview's "important
-- assets") from the index alone, not 50,000 row lookups; it also serves
-- every "in use" filter that assets_active served.
DROP INDEX assets_active;
CREATE INDEX assets_active ON assets(retired_on, importance);
-- Readers' checks not done in time, and exempted ones, for DOC-4.3.3(3):
-- a large company has hundreds of thousands of reads, almost all done in
-- time; the evaluation counts only these few and reads the latest due time
-- from an index, instead of tallying every read.
DROP INDEX document_reads_tally;
CREATE INDEX document_reads_due ON document_reads(due_at);
CREATE INDEX document_reads_late ON document_reads(due_at, completed_at, exempt_reason)
    WHERE exempt_reason IS NULL AND (completed_at IS NULL OR completed_at > due_at);
CREATE INDEX document_reads_exempt ON document_reads(due_at, completed_at, exempt_reason)
    WHERE exempt_reason IS NOT NULL AND (completed_at IS NULL OR completed_at > due_at);
-- Open checks per person (the department roll-up) from the partial index in
-- person order; keyed by version first, SQLite preferred the primary key
-- and read every reader's row of the current versions (0.5 s).
DROP INDEX document_reads_open;
CREATE INDEX document_reads_open ON document_reads(person_id, version_id, due_at)
    WHERE completed_at IS NULL AND exempt_reason IS NULL;
