-- The duty list (live duties by due date) reads its page from an index
-- instead of sorting every duty; "my requests" reads a requester's newest
-- first without sorting them (the id breaks ties in the same order).
CREATE INDEX periodic_duties_live_due ON periodic_duties(next_due, id)
    WHERE retired_at IS NULL;
CREATE INDEX requests_requester_newest ON requests(requester_id, created_at, id);
DROP INDEX requests_requester;
