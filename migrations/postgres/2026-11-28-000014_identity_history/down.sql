DROP TABLE applicant_identities;
