-- The audit trail on PostgreSQL: see 0006_audit.sql.
CREATE TABLE warden_audit(
  id BIGSERIAL PRIMARY KEY,
  at VARCHAR(40) NOT NULL,
  request_id VARCHAR(64) NOT NULL,
  actor VARCHAR(255) NOT NULL,
  tenant VARCHAR(255) NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  method VARCHAR(16) NOT NULL,
  route VARCHAR(255) NOT NULL,
  target_domain VARCHAR(64) NOT NULL,
  target_id VARCHAR(255) NOT NULL,
  action VARCHAR(64) NOT NULL,
  outcome INTEGER NOT NULL,
  rule VARCHAR(255) NOT NULL,
  detail TEXT,
  count INTEGER NOT NULL,
  seq BIGINT UNIQUE,
  hash VARCHAR(64)
);
CREATE INDEX warden_audit_at ON warden_audit(at);
CREATE INDEX warden_audit_actor ON warden_audit(actor, id);
CREATE INDEX warden_audit_unsealed ON warden_audit(id) WHERE seq IS NULL;
CREATE TABLE warden_audit_head(
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash VARCHAR(64) NOT NULL
);
INSERT INTO warden_audit_head(id, seq, hash) VALUES (1, 0, '');
CREATE TABLE warden_audit_checkpoint(
  upto BIGINT PRIMARY KEY,
  hash VARCHAR(64) NOT NULL,
  at VARCHAR(40) NOT NULL,
  archived BIGINT NOT NULL,
  signature VARCHAR(64) NOT NULL
);
CREATE FUNCTION warden_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'warden_audit is append-only';
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.seq IS NULL
       OR OLD.seq > (SELECT COALESCE(MAX(upto), 0) FROM warden_audit_checkpoint) THEN
      RAISE EXCEPTION 'warden_audit rows are deleted only by the archive step';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL
     OR (NEW.id, NEW.at, NEW.request_id, NEW.actor, NEW.tenant, NEW.client_ip, NEW.method,
         NEW.route, NEW.target_domain, NEW.target_id, NEW.action, NEW.outcome, NEW.rule,
         NEW.detail, NEW.count)
        IS DISTINCT FROM
        (OLD.id, OLD.at, OLD.request_id, OLD.actor, OLD.tenant, OLD.client_ip, OLD.method,
         OLD.route, OLD.target_domain, OLD.target_id, OLD.action, OLD.outcome, OLD.rule,
         OLD.detail, OLD.count) THEN
    RAISE EXCEPTION 'warden_audit is append-only';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER warden_audit_guard BEFORE UPDATE OR DELETE ON warden_audit
  FOR EACH ROW EXECUTE FUNCTION warden_audit_guard();
CREATE TRIGGER warden_audit_no_truncate BEFORE TRUNCATE ON warden_audit
  FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_guard();
