-- Queries of the integration tests: the same calls and assertions run on every backend.
-- Blocks in queries.<backend>.sql replace the ones here for that backend.

-- name: count_stuff$
SELECT COUNT(*) FROM Stuff;

-- name: get_stuff_all
-- All stuff, by id.
SELECT sid, stuff FROM Stuff ORDER BY sid;

-- name: get_stuff_like
SELECT sid, stuff FROM Stuff WHERE stuff LIKE :filter ORDER BY sid;

-- name: get_stuff_sid^
-- One stuff by its id.
SELECT sid, stuff FROM Stuff WHERE sid = :sid;

-- name: get_stuff_slow
-- @slow
SELECT sid, stuff FROM Stuff WHERE sid >= :from ORDER BY sid;

-- name: add_stuff<!
-- MySQL has no RETURNING: its variant gives the new id instead.
INSERT INTO Stuff(stuff) VALUES (:stuff) RETURNING sid;

-- name: add_stuff_if_new$
INSERT INTO Stuff(stuff) VALUES (:stuff) ON CONFLICT DO NOTHING RETURNING sid;

-- name: add_stuffs*!
INSERT INTO Stuff(stuff) VALUES (:stuff);

-- name: upd_stuff_sid!
UPDATE Stuff SET stuff = :stuff WHERE sid = :sid;

-- name: del_stuff_sid!
DELETE FROM Stuff WHERE sid = :sid;

-- name: add_owner!
INSERT INTO Owner(oid, login) VALUES (:u.oid, :u.login);

-- name: add_owned!
INSERT INTO Owned(owner, object, price) VALUES (:owner, :object, :price);

-- name: get_owned_by_login
SELECT o.object, o.price
  FROM Owned AS o JOIN Owner AS u ON (o.owner = u.oid)
  WHERE u.login = :login
  ORDER BY o.object;

-- name: echo_params^
-- Colons in strings, quoted identifiers and comments are not parameters (:nope);
-- :n is used twice and :u.login reads a field of object parameter u.
SELECT ':nope' AS "colon:alias", -- :nope
       :n + :n AS twice, /* :nope */ :u.login AS login, :u.level AS level;

-- name: add_typed!
INSERT INTO Typed(id, i, big, f, d, t, b, day, tod, at, atz, doc, uid, bin)
  VALUES (:id, :i, :big, :f, :d, :t, :b, :day, :tod, :at, :atz, :doc, :uid, :bin);

-- name: get_typed^
SELECT id, i, big, f, d, t, b, day, tod, at, atz, doc, uid, bin FROM Typed WHERE id = :id;

-- name: clear_all#
DELETE FROM Owned;
DELETE FROM Owner;
DELETE FROM Stuff;
