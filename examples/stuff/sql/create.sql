-- The schema of the stuff back-end (SQLite; see create.postgres.sql and create.mysql.sql).
-- Idempotent, so databases made before it became migration step 1 (lib.rs) take it too.
CREATE TABLE IF NOT EXISTS Utilisateur(
  uid INTEGER PRIMARY KEY,
  login TEXT UNIQUE NOT NULL,                    -- user
  pword TEXT NOT NULL,                           -- authentication: argon2id (or imported bcrypt)
  isAdmin BOOLEAN NOT NULL DEFAULT FALSE,        -- authorization
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP    -- audit
);

CREATE TABLE IF NOT EXISTS Stuff(
  sid INTEGER PRIMARY KEY,
  stuff TEXT UNIQUE NOT NULL
);

CREATE TABLE IF NOT EXISTS Owned(
  oid INTEGER PRIMARY KEY,
  object TEXT NOT NULL,
  owner INTEGER NOT NULL REFERENCES Utilisateur(uid),
  UNIQUE(object, owner)
);

CREATE INDEX IF NOT EXISTS owned_owner ON Owned(owner);
