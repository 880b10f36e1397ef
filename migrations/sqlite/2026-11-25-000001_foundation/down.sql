DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_clients;
DROP TABLE applicants;
