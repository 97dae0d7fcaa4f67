-- "My tasks" asks for the complaints a 顧客情報管理責任者 logged that still
-- wait for their first report: found by the manager, not by reading every
-- complaint of the years kept.
CREATE INDEX complaints_to_report ON complaints(manager_id, received_at, id)
    WHERE first_report_at IS NULL;
