-- name: add_stuff<!
-- MySQL has no RETURNING: `<!` answers the new row's id.
INSERT INTO stuff(name, owner) VALUES (:name, :owner);
