-- Decisions go back to one per application, without their documents.
CREATE TABLE decisions_old (
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
INSERT INTO decisions_old
SELECT d.municipality, d.id, d.application_id,
       CASE d.outcome WHEN 'partially_rejected' THEN 'partially_granted' ELSE d.outcome END,
       d.amount_ore, d.reasons,
       COALESCE((SELECT MAX(x.work_capacity_percent) FROM decision_adults x
                 WHERE x.municipality = d.municipality AND x.decision_id = d.id), 0),
       d.support_month, d.decided_by, d.decided_at
FROM decisions d
WHERE d.kind = 'assistance' AND NOT EXISTS (
    SELECT 1 FROM decisions r WHERE r.municipality = d.municipality AND r.replaces = d.id);
DROP TABLE decision_adults;
DROP TABLE decisions;
ALTER TABLE decisions_old RENAME TO decisions;
ALTER TABLE application_items DROP COLUMN approved_ore;
ALTER TABLE application_items DROP COLUMN source;
ALTER TABLE application_items DROP COLUMN member;
DROP TABLE household_members;
