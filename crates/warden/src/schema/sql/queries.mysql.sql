-- Warden's queries where MySQL/MariaDB differ: no ON CONFLICT.

-- name: warden_revocation_set!
INSERT INTO warden_revocation(login, valid_after, expires) VALUES (:login, :valid_after, :expires)
ON DUPLICATE KEY UPDATE valid_after = VALUES(valid_after), expires = VALUES(expires);

-- name: warden_role_define!
INSERT INTO warden_role(name, description) VALUES (:name, :description)
ON DUPLICATE KEY UPDATE description = VALUES(description);

-- name: warden_role_allow!
INSERT IGNORE INTO warden_role_permission(role, permission) VALUES (:role, :permission);

-- name: warden_role_grant!
INSERT IGNORE INTO warden_user_role(login, role) VALUES (:login, :role);
