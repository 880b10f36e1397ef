-- SQLite 3.35+ drops columns.
ALTER TABLE payments DROP COLUMN reason;
