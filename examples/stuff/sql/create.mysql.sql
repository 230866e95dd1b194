-- The schema of the stuff back-end on MySQL/MariaDB. Idempotent (see create.sql).
-- Unique text needs a bounded length; foreign keys must be table constraints to count.
CREATE TABLE IF NOT EXISTS Utilisateur(
  uid INTEGER AUTO_INCREMENT PRIMARY KEY,
  login VARCHAR(255) UNIQUE NOT NULL,
  pword TEXT NOT NULL,
  isAdmin BOOLEAN NOT NULL DEFAULT FALSE,
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS Stuff(
  sid INTEGER AUTO_INCREMENT PRIMARY KEY,
  stuff VARCHAR(255) UNIQUE NOT NULL
);

CREATE TABLE IF NOT EXISTS Owned(
  oid INTEGER AUTO_INCREMENT PRIMARY KEY,
  object VARCHAR(255) NOT NULL,
  owner INTEGER NOT NULL,
  UNIQUE(object, owner),
  FOREIGN KEY (owner) REFERENCES Utilisateur(uid)
);

CREATE INDEX IF NOT EXISTS owned_owner ON Owned(owner);
