-- A person's former numbers: a coordination number replaced by a personal
-- number stays here, and a search by it still finds the person. A number
-- belongs to one person in a municipality, current or former.
CREATE TABLE applicant_identities (
    municipality TEXT NOT NULL,
    personal_number TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    replaced_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (municipality, personal_number),
    FOREIGN KEY (municipality, applicant_id) REFERENCES applicants (municipality, id)
);
CREATE INDEX applicant_identities_applicant ON applicant_identities (municipality, applicant_id);
