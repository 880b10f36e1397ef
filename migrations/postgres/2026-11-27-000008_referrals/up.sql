-- Which municipalities a provider serves, and from when to when (BR-12):
-- dated data, not code. NULL valid_from: since before any record here;
-- NULL valid_to: until further notice. Dates are inclusive.
CREATE TABLE service_areas (
    provider TEXT NOT NULL,
    municipality TEXT NOT NULL,
    valid_from DATE,
    valid_to DATE,
    PRIMARY KEY (provider, municipality)
);
-- Viadidakt, the joint labour-market committee of Katrineholm and
-- Vingåker; Vingåker left it at the end of 2024.
INSERT INTO service_areas (provider, municipality, valid_from, valid_to)
VALUES ('viadidakt', '0483', NULL, NULL), ('viadidakt', '0428', NULL, '2024-12-31');

-- What AF told about a person (registered, an active plan, a programme):
-- every report is kept; the latest is the current one.
CREATE TABLE employment_service_statuses (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    registered BOOLEAN NOT NULL,
    plan_from DATE,
    plan_to DATE,
    programme TEXT,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id)
);
CREATE INDEX employment_service_statuses_person
    ON employment_service_statuses (municipality, applicant_id, recorded_at);

-- Referrals to Viadidakt (BR-5 to BR-8). Dates are civil dates in Sweden.
CREATE TABLE referrals (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    application_id TEXT,
    source TEXT NOT NULL,
    af_consulted BOOLEAN NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    referred_on DATE NOT NULL,
    first_meeting_due DATE,
    assigned_to TEXT,
    decline_reason TEXT,
    first_meeting_at TIMESTAMP,
    first_meeting_held_on DATE,
    outcome TEXT,
    closed_on DATE,
    ended_on DATE,
    sent_by TEXT NOT NULL,
    sent_role TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id)
);
CREATE INDEX referrals_person ON referrals (municipality, applicant_id);
CREATE INDEX referrals_application ON referrals (municipality, application_id);
CREATE INDEX referrals_assigned ON referrals (municipality, assigned_to);
CREATE INDEX referrals_due ON referrals (municipality, first_meeting_due);

-- The coach's mapping at the first meeting, one per referral.
CREATE TABLE first_meetings (
    municipality TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    held_at TIMESTAMP NOT NULL,
    education_level TEXT NOT NULL,
    work_experience TEXT NOT NULL,
    health_limits TEXT,
    languages TEXT NOT NULL,
    driving_licence BOOLEAN NOT NULL,
    af_answer TEXT NOT NULL,
    af_registration_guidance BOOLEAN,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (municipality, referral_id)
);
