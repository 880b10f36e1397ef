-- The caller's own id of a request (X-Request-Id), kept beside the service's.
ALTER TABLE audit_log ADD COLUMN correlation_id TEXT;
