-- Local cooperation agreements between social services, Viadidakt and AF.
-- Parties and what may be exchanged are JSON arrays.
CREATE TABLE agreements (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    parties TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    signed_on DATE NOT NULL,
    exchange TEXT NOT NULL,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id)
);

-- Meetings held under an agreement (BR-10); the persons discussed are rows
-- of their own, so that a person's meetings are found by an index.
CREATE TABLE cooperation_meetings (
    municipality TEXT NOT NULL,
    id TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    units_present TEXT NOT NULL,
    actions TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality, id)
);
CREATE INDEX cooperation_meetings_agreement ON cooperation_meetings (municipality, agreement_id);

CREATE TABLE meeting_persons (
    municipality TEXT NOT NULL,
    meeting_id TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    PRIMARY KEY (municipality, meeting_id, applicant_id)
);
CREATE INDEX meeting_persons_person ON meeting_persons (municipality, applicant_id);
