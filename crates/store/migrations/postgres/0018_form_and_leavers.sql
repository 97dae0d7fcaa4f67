-- Assets of a form at or above an importance, a page by number and the
-- count, from one index (the importance is read from it, not the table).
DROP INDEX assets_page_form;
CREATE INDEX assets_page_form ON assets(retired_on, form, ref_no, importance);
-- Those who left, for the organisation health rules (a few of thousands).
CREATE INDEX people_left ON people(left_on);
