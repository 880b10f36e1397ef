-- Viadidakt's group programmes ("korta vårdspåret", a cleaning course):
-- `booked` counts the places taken, guarded so it never exceeds `places`.
CREATE TABLE programmes (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    places INTEGER,
    weekly_intake INTEGER,
    booked INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id),
    CHECK (places IS NULL OR booked <= places)
);

-- Interventions of a referral (BR-9); money as öre.
CREATE TABLE interventions (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subtype TEXT,
    placement TEXT NOT NULL,
    extent_percent INTEGER NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    monthly_cost_ore BIGINT,
    monthly_subsidy_ore BIGINT,
    af_assessed_on DATE,
    af_qualifies BOOLEAN,
    programme_id TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id)
);
CREATE INDEX interventions_referral ON interventions (municipality, referral_id);
CREATE INDEX interventions_programme ON interventions (municipality, programme_id);

-- The three-party implementation plan (*genomförandeplan*) of a referral,
-- every revision kept; the referral carries the next follow-up.
CREATE TABLE plans (
    municipality TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    agreed_on DATE NOT NULL,
    participants TEXT NOT NULL,
    goals TEXT NOT NULL,
    next_follow_up DATE NOT NULL,
    af_plan_from DATE,
    af_plan_to DATE,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, referral_id, revision)
);
ALTER TABLE referrals ADD COLUMN next_follow_up DATE;
