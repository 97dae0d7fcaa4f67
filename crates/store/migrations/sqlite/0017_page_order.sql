-- A page of a register in each order it offers is read from an index in
-- that order, instead of sorting every row to show fifty (the plan check of
-- crates/store/src/plans.rs found the sorts on the large organisation).
-- The active register (retired_on IS NULL) first, then the order.
DROP INDEX assets_active;
DROP INDEX assets_importance;
DROP INDEX assets_form;
DROP INDEX assets_name;
CREATE INDEX assets_page_ref ON assets(retired_on, ref_no);
CREATE INDEX assets_page_importance ON assets(retired_on, importance DESC, ref_no);
CREATE INDEX assets_page_name ON assets(retired_on, name, ref_no);
CREATE INDEX assets_page_updated ON assets(retired_on, updated_at DESC, ref_no);
CREATE INDEX assets_page_form ON assets(retired_on, form, ref_no);
-- Risks by last change and by status then score; ties in order by number.
DROP INDEX risks_updated;
CREATE INDEX risks_page_updated ON risks(updated_at DESC, ref_no);
CREATE INDEX risks_page_status_score ON risks(status, score DESC, ref_no);
-- Incidents of a state, newest report first, the id breaking ties.
DROP INDEX incidents_state;
CREATE INDEX incidents_page_state ON incidents(state, reported_at, id);
