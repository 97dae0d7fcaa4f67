-- The reading follow-up counts, each minute, the open comprehension checks
-- already past due, per version: read from the open checks alone, in
-- version order, without visiting the table.
CREATE INDEX document_reads_open_due ON document_reads(version_id, due_at)
    WHERE completed_at IS NULL AND exempt_reason IS NULL;
