-- Step 6: each new stuff belongs to the user who added it.
ALTER TABLE stuff ADD COLUMN owner TEXT REFERENCES users(login);
