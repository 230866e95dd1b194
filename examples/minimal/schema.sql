-- The back-end's tables (SQLite), applied once by warden's migrations (src/lib.rs).
CREATE TABLE users(
  login TEXT PRIMARY KEY,
  password TEXT NOT NULL,       -- an argon2id hash, never the password
  is_admin BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE tasks(
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL REFERENCES users(login) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  done BOOLEAN NOT NULL DEFAULT FALSE
);
