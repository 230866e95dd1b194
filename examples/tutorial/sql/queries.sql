-- The tutorial's named queries. The suffix says what a query returns: none, all rows; ^ one
-- row or none; $ one value; ! the number of changed rows. :name is a parameter.

-- Step 2 ---------------------------------------------------------------------------------------

-- name: now$
-- The database's clock.
SELECT CURRENT_TIMESTAMP;

-- Step 3 ---------------------------------------------------------------------------------------

-- name: stuff_like
-- The stuff whose name matches a LIKE pattern (% is any text).
SELECT sid, stuff FROM stuff WHERE stuff LIKE :filter ORDER BY sid;

-- Step 4 ---------------------------------------------------------------------------------------

-- name: add_stuff$
INSERT INTO stuff(stuff) VALUES (:stuff) RETURNING sid;

-- name: get_stuff^
SELECT sid, stuff FROM stuff WHERE sid = :sid;

-- name: rename_stuff!
UPDATE stuff SET stuff = :stuff WHERE sid = :sid;

-- name: delete_stuff!
DELETE FROM stuff WHERE sid = :sid;

-- Step 5 ---------------------------------------------------------------------------------------

-- name: warden_user^
-- The user directory: the login, the password hash and the groups of a user.
SELECT login, password, CASE WHEN is_admin THEN 'ADMIN' ELSE '' END AS groups
  FROM users WHERE login = :login;

-- name: warden_set_password!
-- Where warden stores a rehashed password (a stronger hash at the next login).
UPDATE users SET password = :password WHERE login = :login;

-- name: warden_user_add!
-- The first administrator (the bootstrap settings).
INSERT INTO users(login, password) VALUES (:login, :password);

-- name: warden_user_list
SELECT login FROM users ORDER BY login;

-- Step 6 ---------------------------------------------------------------------------------------

-- name: add_owned_stuff$
INSERT INTO stuff(stuff, owner) VALUES (:stuff, :login) RETURNING sid;

-- name: stuff_owner$
-- The "stuff" object check: 1 if :login owns :sid, 0 if not, null if there is no such stuff.
SELECT CASE WHEN owner = :login THEN 1 ELSE 0 END FROM stuff WHERE sid = :sid;

-- name: add_user!
INSERT INTO users(login, password) VALUES (:login, :password);

-- Step 7 ---------------------------------------------------------------------------------------

-- name: stuff_page
SELECT sid, stuff, owner FROM stuff WHERE stuff LIKE :filter ORDER BY sid
  LIMIT :limit OFFSET :offset;
