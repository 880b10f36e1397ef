-- Applicants: every key starts with the municipality (a sharding key for Citus).
CREATE TABLE applicants (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    personal_number TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('K', 'M')),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    protected_identity BOOLEAN NOT NULL DEFAULT FALSE,
    street TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    email TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, personal_number)
);

-- Machine clients of the client-credentials grant. Only an Argon2 hash of the secret.
CREATE TABLE api_clients (
    client_id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    municipalities TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- The audit log: append-only, hash-chained through audit_head.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    municipality TEXT,
    person_id TEXT,
    request_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log (municipality, person_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The chain's head: the last sequence number and hash. Writers lock this
-- row, so records are chained in commit order.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
