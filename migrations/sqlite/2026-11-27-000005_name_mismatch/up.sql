-- Where the names an application gave for an already registered person
-- differ from the register: a JSON array for the caseworker to look into.
ALTER TABLE applications ADD COLUMN name_mismatch TEXT;
