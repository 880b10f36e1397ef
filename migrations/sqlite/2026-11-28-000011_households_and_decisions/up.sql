-- The household an application covers: adults in their roles and children
-- as persons. `member` names the person within the application
-- (`applicant`, `partner`, `adult_1`…, `child_1`…); incomes, expenses and
-- the decision's assessments refer to it.
CREATE TABLE household_members (
    municipality TEXT NOT NULL,
    application_id TEXT NOT NULL,
    member TEXT NOT NULL,
    position INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'partner', 'other_adult', 'child')),
    applicant_id TEXT,
    birth_date DATE,
    personal_number TEXT,
    days_in_home INTEGER CHECK (days_in_home BETWEEN 1 AND 30),
    school_status TEXT,
    preschool_lunch BOOLEAN,
    PRIMARY KEY (municipality, application_id, member),
    FOREIGN KEY (municipality, application_id) REFERENCES applications (municipality, id),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id),
    CHECK ((role = 'child') = (applicant_id IS NULL)),
    CHECK ((role = 'child') = (birth_date IS NOT NULL))
);
CREATE INDEX household_members_person ON household_members (municipality, applicant_id);

INSERT INTO household_members (municipality, application_id, member, position, role, applicant_id)
SELECT municipality, id, 'applicant', 0, 'applicant', applicant_id FROM applications;
INSERT INTO household_members (municipality, application_id, member, position, role, applicant_id)
SELECT municipality, id, 'partner', 1, 'partner', co_applicant_id FROM applications
WHERE co_applicant_id IS NOT NULL;
-- Children were recorded by birth year only: they carry 1 January of it.
INSERT INTO household_members
    (municipality, application_id, member, position, role, birth_date, days_in_home)
SELECT a.municipality, a.id, 'child_' || (j.key + 1), 10 + j.key, 'child',
       date(j.value || '-01-01'), 30
FROM applications a, json_each(a.children) j;
-- `applications.co_applicant_id` stays the partner's id; `children` is no
-- longer written (an empty list on new rows).

-- Each income and expense belongs to a person, with the amount applied for,
-- the amount the caseworker approved and where the figure comes from.
ALTER TABLE application_items ADD COLUMN member TEXT NOT NULL DEFAULT 'applicant';
ALTER TABLE application_items ADD COLUMN source TEXT NOT NULL DEFAULT 'declared';
ALTER TABLE application_items ADD COLUMN approved_ore BIGINT CHECK (approved_ore >= 0);

-- Decisions as legal documents. An application may have several: a
-- decision replaced (reconsideration, a court's ruling) stays, and the one
-- replacing it names it. Recovery and write-off decisions belong to a
-- person and to no application. Decisions recorded before this version
-- have no legal basis, persons covered or decision-maker (NULL or '[]').
CREATE TABLE decisions_new (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('assistance', 'recovery', 'write_off')),
    applicant_id TEXT NOT NULL,
    application_id TEXT,
    outcome TEXT NOT NULL,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    reasons TEXT,
    legal_basis TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    support_month TEXT,
    persons_covered TEXT,
    decision_maker_id TEXT,
    decision_maker_name TEXT,
    decision_maker_title TEXT,
    delegation TEXT,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    replaces TEXT,
    replacement_ground TEXT,
    replacement_reason TEXT,
    norm_year INTEGER,
    norm_revision INTEGER,
    calculated_ore BIGINT,
    deviation_reason TEXT,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, replaces),
    FOREIGN KEY (municipality, application_id) REFERENCES applications (municipality, id),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id),
    CHECK (period_from <= period_to)
);
INSERT INTO decisions_new
    (municipality, id, kind, applicant_id, application_id, outcome, amount_ore, reasons,
     legal_basis, period_from, period_to, support_month, decided_by, decided_at)
SELECT d.municipality, d.id, 'assistance', a.applicant_id, d.application_id,
       CASE d.outcome WHEN 'partially_granted' THEN 'partially_rejected' ELSE d.outcome END,
       d.amount_ore, d.reason, '[]',
       date(d.support_month || '-01'), date(d.support_month || '-01', '+1 month', '-1 day'),
       d.support_month, d.decided_by, d.decided_at
FROM decisions d
JOIN applications a ON a.municipality = d.municipality AND a.id = d.application_id;
CREATE TABLE legacy_capacity AS
SELECT d.municipality, d.id, a.applicant_id, d.work_capacity_percent
FROM decisions d
JOIN applications a ON a.municipality = d.municipality AND a.id = d.application_id;
DROP TABLE decisions;
ALTER TABLE decisions_new RENAME TO decisions;
CREATE INDEX decisions_application ON decisions (municipality, application_id);
CREATE INDEX decisions_applicant ON decisions (municipality, applicant_id);

-- The caseworker's assessment of each adult on a decision: work capacity
-- (BR-5) and försörjningshinder in Socialstyrelsen's categories.
CREATE TABLE decision_adults (
    municipality TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    member TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    work_capacity_percent INTEGER NOT NULL CHECK (work_capacity_percent BETWEEN 0 AND 100),
    support_obstacle TEXT,
    PRIMARY KEY (municipality, decision_id, member),
    FOREIGN KEY (municipality, decision_id) REFERENCES decisions (municipality, id),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id)
);
CREATE INDEX decision_adults_person ON decision_adults (municipality, applicant_id);
-- A decision recorded before this version assessed the applicant only.
INSERT INTO decision_adults (municipality, decision_id, member, applicant_id, work_capacity_percent)
SELECT municipality, id, 'applicant', applicant_id, work_capacity_percent FROM legacy_capacity;
DROP TABLE legacy_capacity;
