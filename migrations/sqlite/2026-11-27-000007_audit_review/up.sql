-- The auditor's review reads the log by time and by actor.
CREATE INDEX audit_log_time ON audit_log (occurred_at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
