-- The schema of the stuff back-end on PostgreSQL. Idempotent (see create.sql).
CREATE TABLE IF NOT EXISTS Utilisateur(
  uid SERIAL PRIMARY KEY,
  login TEXT UNIQUE NOT NULL,
  pword TEXT NOT NULL,
  isAdmin BOOLEAN NOT NULL DEFAULT FALSE,
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS Stuff(
  sid SERIAL PRIMARY KEY,
  stuff TEXT UNIQUE NOT NULL
);

CREATE TABLE IF NOT EXISTS Owned(
  oid SERIAL PRIMARY KEY,
  object TEXT NOT NULL,
  owner INTEGER NOT NULL REFERENCES Utilisateur(uid),
  UNIQUE(object, owner)
);

CREATE INDEX IF NOT EXISTS owned_owner ON Owned(owner);
