-- The role administrators grant and revoke through /roles (warden's role tables, its schema
-- step 5, which warden applies before these migrations). The first administrators still come
-- from Users.isAdmin.
INSERT INTO warden_role(name, description)
  VALUES ('ADMIN', 'administrators: users, tokens, the blocklist, roles');
INSERT INTO warden_role_permission(role, permission) VALUES ('ADMIN', 'users.manage');
