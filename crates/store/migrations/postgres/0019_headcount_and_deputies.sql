-- Each department's headcount read from the index alone (who has left is
-- in it), not from 5,000 people's rows.
CREATE INDEX people_department_left ON people(department_id, left_on);
-- The roles a person acts in for someone absent, read at every request.
CREATE INDEX delegations_deputy ON delegations(deputy_person_id);
