ALTER TABLE referrals DROP COLUMN next_follow_up;
DROP TABLE plans;
DROP TABLE interventions;
DROP TABLE programmes;
