-- Indexes for evaluating every obligation from the records in aggregates
-- (issue 8: the whole organisation in well under 100 ms): the latest
-- completion of each duty, readers' checks by version with what the tally
-- needs, and the open checks of current versions.

CREATE INDEX duty_completions_duty ON duty_completions(duty_id, due_on DESC);
CREATE INDEX document_reads_tally ON document_reads(version_id, due_at, completed_at, exempt_reason);
CREATE INDEX document_reads_open ON document_reads(version_id, person_id, due_at)
    WHERE completed_at IS NULL AND exempt_reason IS NULL;
