ALTER TABLE decisions DROP COLUMN concerns;
DROP INDEX payments_decision;
ALTER TABLE payments DROP COLUMN payee_reference;
ALTER TABLE payments DROP COLUMN payee_name;
ALTER TABLE payments DROP COLUMN payee_kind;
ALTER TABLE payments DROP COLUMN decision_id;
