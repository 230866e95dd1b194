-- The queries of `warden::queries!`'s documentation.

-- name: create_stuff#
CREATE TABLE IF NOT EXISTS stuff(sid INTEGER PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL);

-- name: add_stuff<!
-- Adds one stuff; answers its id.
INSERT INTO stuff(name, owner) VALUES (:name, :owner) RETURNING sid;

-- name: get_stuff^
SELECT sid, name FROM stuff WHERE sid = :sid;

-- name: stuff_of
-- The user's stuff, by id.
SELECT sid, name FROM stuff WHERE owner = :u.login ORDER BY sid;

-- name: count_stuff()$
SELECT COUNT(*) FROM stuff;

-- name: rename_stuff!
UPDATE stuff SET name = :name WHERE sid = :sid;

-- name: add_stuffs*!
INSERT INTO stuff(name, owner) VALUES (:name, :owner);
