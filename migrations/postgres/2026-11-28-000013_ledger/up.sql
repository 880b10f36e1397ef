-- The payment ledger: each payment names the decision that allows it and
-- its payee (the person, a landlord, a utility).
ALTER TABLE payments ADD COLUMN decision_id TEXT;
ALTER TABLE payments ADD COLUMN payee_kind TEXT NOT NULL DEFAULT 'applicant';
ALTER TABLE payments ADD COLUMN payee_name TEXT;
ALTER TABLE payments ADD COLUMN payee_reference TEXT;
-- Payments recorded before this version were made under the decision then
-- in force: the only one, as decisions could not yet be replaced.
UPDATE payments SET decision_id = (
    SELECT d.id FROM decisions d
    WHERE d.municipality = payments.municipality
      AND d.application_id = payments.application_id
);
CREATE INDEX payments_decision ON payments (municipality, decision_id);

-- What a recovery claims back (the assistance decisions) and what a
-- write-off lets go (the recovery decision): a JSON array of decision ids.
ALTER TABLE decisions ADD COLUMN concerns TEXT;
