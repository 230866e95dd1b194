-- The back-end's tables (SQLite; schema.postgres.sql and schema.mysql.sql say the same for
-- the servers). `users` and `projects` are tenant-bound: src/lib.rs declares them, and warden
-- refuses any query on them that is not constrained by `:tenant`.
CREATE TABLE tenants(
  id VARCHAR(64) PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name VARCHAR(200) NOT NULL
);
CREATE TABLE users(
  tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id),
  login VARCHAR(100) NOT NULL CHECK (length(login) BETWEEN 1 AND 100 AND instr(login, '@') = 0),
  password VARCHAR(255) NOT NULL,  -- an argon2id hash, never the password
  role VARCHAR(20) NOT NULL DEFAULT 'MEMBER' CHECK (role IN ('MEMBER', 'ADMIN', 'PLATFORM')),
  -- Logins are unique per tenant: alice@acme and alice@globex are two users.
  CONSTRAINT users_login_unique PRIMARY KEY (tenant_id, login)
);
CREATE TABLE projects(
  id INTEGER PRIMARY KEY,
  tenant_id VARCHAR(64) NOT NULL REFERENCES tenants(id),
  name VARCHAR(100) NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- 0 active, 1 archived, 2 invisible (the seed's INVISIBLE: batch updates leave it alone)
  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
  -- Project names are unique per tenant: a conflict never concerns another tenant's project.
  CONSTRAINT projects_name_unique UNIQUE (tenant_id, name)
);
