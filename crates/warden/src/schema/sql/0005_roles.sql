-- Roles: users <-> roles (many to many) and role -> permissions. Users are the application's
-- (warden does not know its user table), so a grant names a login; a role is a row here, and
-- the permissions it carries are free-form names such as "projects.write".
CREATE TABLE warden_role(
  name VARCHAR(255) PRIMARY KEY,
  description VARCHAR(1024) NOT NULL DEFAULT ''
);
CREATE TABLE warden_role_permission(
  role VARCHAR(255) NOT NULL REFERENCES warden_role(name) ON DELETE CASCADE,
  permission VARCHAR(255) NOT NULL,
  PRIMARY KEY (role, permission)
);
CREATE TABLE warden_user_role(
  login VARCHAR(255) NOT NULL,
  role VARCHAR(255) NOT NULL REFERENCES warden_role(name) ON DELETE CASCADE,
  granted TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (login, role)
);
CREATE INDEX warden_user_role_role ON warden_user_role(role);
