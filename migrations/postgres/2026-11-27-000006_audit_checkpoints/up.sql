-- Signed checkpoints of the audit chain: the head's number and hash at a
-- moment, signed with the audit key, which is kept outside the database.
-- Copies stored elsewhere (the service log, `bistand audit checkpoint`)
-- prove the chain up to them even to one who rewrites this database.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
