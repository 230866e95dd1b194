-- PostgreSQL does not turn text parameters into dates, timestamps or UUIDs by itself.

-- name: add_typed!
INSERT INTO Typed(id, i, big, f, d, t, b, day, tod, at, atz, doc, uid, bin)
  VALUES (:id, :i, :big, :f, :d::numeric, :t, :b, :day::date, :tod::time, :at::timestamp,
          :atz::timestamptz, :doc, :uid::uuid, :bin);

-- name: echo_params^
-- Casts, E'' strings and dollar quotes hide nothing from the scan but themselves.
SELECT ':nope' AS "colon:alias", E'\':nope' AS e, $$ :nope $$ AS dollar, -- :nope
       :n::int8 + :n::int8 AS twice, /* :nope /* nested :nope */ */ :u.login::text AS login,
       :u.level AS level;
