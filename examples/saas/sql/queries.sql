-- The back-end's named queries. `users` and `projects` are tenant-bound: every query on them
-- constrains each use by `:tenant`, which warden binds from the caller's identity, or says
-- why it may cross tenants (`-- @unconstrained: why`, listed at startup and audited).

-- name: warden_user^
-- The directory: alice@acme signs in as login alice of tenant acme.
SELECT login, tenant_id AS tenant, password, role AS groups
  FROM users WHERE login = :login AND tenant_id = :tenant;

-- name: warden_set_password!
UPDATE users SET password = :password WHERE login = :login AND tenant_id = :tenant;

-- name: add_user!
INSERT INTO users(tenant_id, login, password, role) VALUES (:tenant, :login, :password, :role);

-- name: tenant_users
SELECT login, role FROM users WHERE tenant_id = :tenant ORDER BY login;

-- name: projects
SELECT id, name, status FROM projects WHERE tenant_id = :tenant
  ORDER BY id LIMIT :limit OFFSET :offset;

-- name: add_project<!
INSERT INTO projects(tenant_id, name) VALUES (:tenant, :name) RETURNING id;

-- name: get_project^
SELECT id, name, status FROM projects WHERE id = :id AND tenant_id = :tenant;

-- name: rename_project!
UPDATE projects SET name = :name WHERE id = :id AND tenant_id = :tenant;

-- name: delete_project!
DELETE FROM projects WHERE id = :id AND tenant_id = :tenant;

-- name: set_project_status*!
-- The seed's batch update, once per id: only the caller's tenant's rows change, and never an
-- invisible one.
UPDATE projects SET status = :status WHERE id = :id AND tenant_id = :tenant AND status <> 2;

-- name: all_projects
-- @unconstrained: platform administrators list every tenant's projects
SELECT tenant_id, id, name, status FROM projects ORDER BY tenant_id, id LIMIT :limit OFFSET :offset;

-- name: add_tenant!
INSERT INTO tenants(id, name) VALUES (:id, :name);

-- name: add_tenant_admin!
-- @unconstrained: platform administrators create each new tenant's first administrator
INSERT INTO users(tenant_id, login, password, role) VALUES (:tenant_id, :login, :password, 'ADMIN');

-- name: count_users$
-- @unconstrained: the bootstrap creates the platform administrator in an empty directory
SELECT COUNT(*) FROM users;
