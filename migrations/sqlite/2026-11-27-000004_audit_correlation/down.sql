ALTER TABLE audit_log DROP COLUMN correlation_id;
