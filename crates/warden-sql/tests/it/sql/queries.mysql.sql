-- MySQL quotes with backslashes and comments with #.

-- name: add_stuff<!
INSERT INTO Stuff(stuff) VALUES (:stuff);

-- name: add_stuff_if_new$
INSERT IGNORE INTO Stuff(stuff) VALUES (:stuff) RETURNING sid;

-- name: echo_params^
SELECT ':nope' AS "colon:alias", 'it\'s :nope' AS e, # :nope
       :n + :n AS twice, /* :nope */ :u.login AS login, :u.level AS level;
