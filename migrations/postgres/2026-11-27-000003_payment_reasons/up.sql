-- A negative payment corrects or reclaims money; it carries its reason (BR-3b).
ALTER TABLE payments ADD COLUMN reason TEXT;
