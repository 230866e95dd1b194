-- Step 2: the course's table of stuff.
CREATE TABLE stuff(
  sid INTEGER PRIMARY KEY,
  stuff TEXT UNIQUE NOT NULL CHECK (length(stuff) BETWEEN 1 AND 100)
);
