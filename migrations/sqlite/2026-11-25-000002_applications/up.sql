-- Applications for economic assistance, one support month each.
CREATE TABLE applications (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    receipt_number TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    co_applicant_id TEXT,
    children TEXT NOT NULL,
    support_month TEXT NOT NULL,
    channel TEXT NOT NULL,
    reasons_for_need TEXT NOT NULL,
    message TEXT,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_role TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, receipt_number),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id),
    FOREIGN KEY (municipality, co_applicant_id) REFERENCES applicants (municipality, id)
);
CREATE INDEX applications_applicant ON applications (municipality, applicant_id);
CREATE INDEX applications_submitter ON applications (municipality, submitted_by);

-- Declared incomes and expenses, in öre.
CREATE TABLE application_items (
    municipality TEXT NOT NULL,
    application_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('income', 'expense')),
    kind TEXT NOT NULL,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    PRIMARY KEY (municipality, application_id, line_no),
    FOREIGN KEY (municipality, application_id) REFERENCES applications (municipality, id)
);

-- Per-municipality, per-year receipt numbers (EB-2026-000123).
CREATE TABLE receipt_sequences (
    municipality TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (municipality, year)
);

-- One decision per application.
CREATE TABLE decisions (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    reason TEXT,
    work_capacity_percent INTEGER NOT NULL CHECK (work_capacity_percent BETWEEN 0 AND 100),
    support_month TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, application_id),
    FOREIGN KEY (municipality, application_id) REFERENCES applications (municipality, id)
);

-- Money paid (or reclaimed, when negative) for an application's month.
CREATE TABLE payments (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    support_month TEXT NOT NULL,
    amount_ore BIGINT NOT NULL,
    paid_on DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id),
    FOREIGN KEY (municipality, application_id) REFERENCES applications (municipality, id)
);
CREATE INDEX payments_application ON payments (municipality, application_id);

-- A person's consent to share with a named party; a revocation keeps the row.
CREATE TABLE consents (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    channel TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by TEXT,
    version BIGINT NOT NULL,
    PRIMARY KEY (municipality, id),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id)
);
CREATE INDEX consents_applicant ON consents (municipality, applicant_id);

-- Idempotency keys per client: the first response, replayed for retries.
CREATE TABLE idempotency_keys (
    client TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    location TEXT,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client, idempotency_key)
);

-- The change feed. Sequence numbers come from event_head, locked by each
-- writing transaction, so they are handed out in commit order.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY NOT NULL,
    municipality TEXT NOT NULL,
    event_type TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX events_municipality ON events (municipality, seq);

CREATE TABLE event_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO event_head (id, seq) VALUES (1, 0);
