ALTER TABLE applications DROP COLUMN name_mismatch;
