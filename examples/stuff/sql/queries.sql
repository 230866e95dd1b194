-- The stuff back-end's named queries (AnoDB format). queries.sqlite.sql and
-- queries.mysql.sql override the blocks whose SQL differs there.

-- name: now$
-- The database's current time, RFC 3339 in UTC.
SELECT CURRENT_TIMESTAMP AS now;

-- name: count_users$
SELECT COUNT(*) FROM Utilisateur;

-- name: get_stuff_all
-- Lists are pages (warden::Page): limit and offset come from the request, clamped.
SELECT sid, stuff FROM Stuff ORDER BY 1 LIMIT :limit OFFSET :offset;

-- name: get_stuff_like
SELECT sid, stuff FROM Stuff WHERE stuff LIKE :filter ORDER BY 1 LIMIT :limit OFFSET :offset;

-- name: get_stuff_sid^
SELECT sid, stuff FROM Stuff WHERE sid = :sid;

-- name: add_stuff$
-- A duplicate is a unique violation, which warden answers with 409.
INSERT INTO Stuff(stuff) VALUES (:stuff) RETURNING sid;

-- name: upd_stuff_sid!
UPDATE Stuff SET stuff = :stuff WHERE sid = :sid;

-- name: del_stuff_sid!
DELETE FROM Stuff WHERE sid = :sid;

-- name: warden_user^
-- The user directory: login, password hash and groups.
SELECT login, pword AS password, CASE WHEN isAdmin THEN 'ADMIN' ELSE '' END AS groups
  FROM Utilisateur
 WHERE login = :login;

-- name: warden_set_password!
-- Stores an upgraded password hash.
UPDATE Utilisateur SET pword = :password WHERE login = :login;

-- name: warden_user_add!
-- The `stuff user ...` commands (warden-cli): add, list and remove users.
INSERT INTO Utilisateur(login, pword) VALUES (:login, :password);

-- name: warden_user_list
SELECT login FROM Utilisateur ORDER BY login;

-- name: warden_user_remove!
DELETE FROM Utilisateur WHERE login = :login;

-- name: add_new_user$
-- The uid, or nothing when the login exists.
INSERT INTO Utilisateur(login, pword) VALUES (:login, :pword)
  ON CONFLICT DO NOTHING
  RETURNING uid;

-- name: new_user_with_object$
INSERT INTO Utilisateur(login, pword, isAdmin) VALUES (:u.login, :u.password, :u.isAdmin)
  ON CONFLICT DO NOTHING
  RETURNING uid;

-- name: get_user_login$
SELECT login FROM Utilisateur WHERE uid = :uid;

-- name: change_user_with_object!
UPDATE Utilisateur
   SET login = :u.login,
       pword = :u.password,
       isAdmin = :u.isAdmin
 WHERE uid = :u.uid;

-- name: get_owned
SELECT oid, object, owner FROM Owned ORDER BY 1 LIMIT :limit OFFSET :offset;

-- name: get_object_oid^
SELECT oid, object FROM Owned WHERE oid = :oid;

-- name: get_owned_uid
SELECT oid, object, owner FROM Owned WHERE owner = :uid ORDER BY 1 LIMIT :limit OFFSET :offset;

-- name: can_access_owned$
-- The "owned" domain's object query (lib.rs: object_query).
-- 1 if the user owns the object, 0 if not, null if there is no such object.
SELECT CASE WHEN u.login = :login THEN 1 ELSE 0 END AS allowed
  FROM Owned AS o JOIN Utilisateur AS u ON (o.owner = u.uid)
 WHERE o.oid = :oid;

-- name: can_access_user$
-- 1 if the user is that user, 0 if not, null if there is no such user.
SELECT CASE WHEN u.login = :login THEN 1 ELSE 0 END AS allowed
  FROM Utilisateur AS u
 WHERE u.uid = :uid;
