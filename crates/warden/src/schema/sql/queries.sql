-- Warden's own queries, on warden's own tables (see schema/sql/NNNN_*.sql). An application
-- adds them, and their MySQL variants, with `warden::schema::add_queries(&mut queries)`.

-- name: warden_key_insert!
INSERT INTO warden_api_key(id, login, name, hash, sealed_signing_key)
VALUES (:id, :login, :name, :hash, :sealed_signing_key);

-- name: warden_key_find^
SELECT id, login, name, hash, sealed_signing_key, created, last_used, revoked
  FROM warden_api_key
 WHERE id = :id;

-- name: warden_key_list
SELECT id, login, name, hash, created, last_used, revoked
  FROM warden_api_key
 WHERE login = :login AND NOT revoked
 ORDER BY created, id;

-- name: warden_key_revoke!
UPDATE warden_api_key SET revoked = TRUE WHERE id = :id AND login = :login AND NOT revoked;

-- name: warden_key_touch!
UPDATE warden_api_key SET last_used = CURRENT_TIMESTAMP WHERE id = :id;

-- name: warden_revocation_set!
-- A user's tokens issued before valid_after are revoked, until expires.
INSERT INTO warden_revocation(login, valid_after, expires) VALUES (:login, :valid_after, :expires)
ON CONFLICT (login) DO UPDATE SET valid_after = excluded.valid_after, expires = excluded.expires;

-- name: warden_revocation_live
SELECT login, valid_after, expires FROM warden_revocation WHERE expires > :now;

-- name: warden_blocklist_list
SELECT cidr, reason, created FROM warden_blocklist ORDER BY created, cidr;

-- name: warden_blocklist_add!
INSERT INTO warden_blocklist(cidr, reason, created) VALUES (:cidr, :reason, :created);

-- name: warden_blocklist_remove!
DELETE FROM warden_blocklist WHERE cidr = :cidr;
