-- The audit trail (warden::audit): one append-only row per audited request, sealed into a hash
-- chain by warden's sealer (seq and hash are NULL until then). Rows are never updated but to be
-- sealed, and deleted only by the archive step once a signed checkpoint covers them; the
-- triggers below refuse anything else. at is RFC 3339 UTC text written by warden, so that the
-- hashed text is exactly the stored text on every backend.
CREATE TABLE warden_audit(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
-- The chain's head: the last sealed row. Sealers lock this one row, never the audit table.
CREATE TABLE warden_audit_head(
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash VARCHAR(64) NOT NULL
);
INSERT INTO warden_audit_head(id, seq, hash) VALUES (1, 0, '');
-- Archived rows: the chain up to upto is exported and deleted; hash is the hash of row upto,
-- from which the remaining chain continues, and signature an HMAC under the server's secret.
CREATE TABLE warden_audit_checkpoint(
  upto BIGINT PRIMARY KEY,
  hash VARCHAR(64) NOT NULL,
  at VARCHAR(40) NOT NULL,
  archived BIGINT NOT NULL,
  signature VARCHAR(64) NOT NULL
);
CREATE TRIGGER warden_audit_append_only BEFORE UPDATE ON warden_audit
WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.request_id IS NOT OLD.request_id
  OR NEW.actor IS NOT OLD.actor OR NEW.tenant IS NOT OLD.tenant
  OR NEW.client_ip IS NOT OLD.client_ip OR NEW.method IS NOT OLD.method
  OR NEW.route IS NOT OLD.route OR NEW.target_domain IS NOT OLD.target_domain
  OR NEW.target_id IS NOT OLD.target_id OR NEW.action IS NOT OLD.action
  OR NEW.outcome IS NOT OLD.outcome OR NEW.rule IS NOT OLD.rule
  OR NEW.detail IS NOT OLD.detail OR NEW.count IS NOT OLD.count
BEGIN
  SELECT RAISE(ABORT, 'warden_audit is append-only');
END;
CREATE TRIGGER warden_audit_archived_only BEFORE DELETE ON warden_audit
WHEN OLD.seq IS NULL OR OLD.seq > (SELECT COALESCE(MAX(upto), 0) FROM warden_audit_checkpoint)
BEGIN
  SELECT RAISE(ABORT, 'warden_audit rows are deleted only by the archive step');
END;
