DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE api_clients;
DROP TABLE applicants;
