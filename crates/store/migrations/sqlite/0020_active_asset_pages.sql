-- PostgreSQL's 0020 gives the active register's pages partial indexes.
-- SQLite takes `retired_on IS NULL` as fixing the first column of the 0017
-- indexes and reads them in order already (the plan check shows it), so
-- nothing changes here.
SELECT 1;
