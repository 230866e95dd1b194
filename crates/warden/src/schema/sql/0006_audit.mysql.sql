-- The audit trail on MySQL/MariaDB: see 0006_audit.sql.
CREATE TABLE warden_audit(
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
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
  hash VARCHAR(64),
  INDEX warden_audit_at (at),
  INDEX warden_audit_actor (actor, id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
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
CREATE TRIGGER warden_audit_append_only BEFORE UPDATE ON warden_audit FOR EACH ROW
BEGIN
  IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL
     OR NOT (NEW.id <=> OLD.id AND NEW.at <=> OLD.at AND NEW.request_id <=> OLD.request_id
         AND NEW.actor <=> OLD.actor AND NEW.tenant <=> OLD.tenant
         AND NEW.client_ip <=> OLD.client_ip AND NEW.method <=> OLD.method
         AND NEW.route <=> OLD.route AND NEW.target_domain <=> OLD.target_domain
         AND NEW.target_id <=> OLD.target_id AND NEW.action <=> OLD.action
         AND NEW.outcome <=> OLD.outcome AND NEW.rule <=> OLD.rule
         AND NEW.detail <=> OLD.detail AND NEW.count <=> OLD.count) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'warden_audit is append-only';
  END IF;
END;
CREATE TRIGGER warden_audit_archived_only BEFORE DELETE ON warden_audit FOR EACH ROW
BEGIN
  IF OLD.seq IS NULL
     OR OLD.seq > (SELECT COALESCE(MAX(upto), 0) FROM warden_audit_checkpoint) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'warden_audit rows are deleted only by the archive step';
  END IF;
END;
