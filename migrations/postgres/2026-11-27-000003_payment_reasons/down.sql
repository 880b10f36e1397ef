ALTER TABLE payments DROP COLUMN reason;
