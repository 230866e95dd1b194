-- Warden's queries where MySQL/MariaDB differ: no ON CONFLICT.

-- name: warden_revocation_set!
INSERT INTO warden_revocation(login, valid_after, expires) VALUES (:login, :valid_after, :expires)
ON DUPLICATE KEY UPDATE valid_after = VALUES(valid_after), expires = VALUES(expires);
