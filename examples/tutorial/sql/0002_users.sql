-- Step 5: users, with argon2id hashes (never passwords).
CREATE TABLE users(
  login TEXT PRIMARY KEY,
  password TEXT NOT NULL,
  is_admin BOOLEAN NOT NULL DEFAULT FALSE
);
