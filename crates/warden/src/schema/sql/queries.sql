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

-- name: warden_role_define!
-- A role, or a new description for it.
INSERT INTO warden_role(name, description) VALUES (:name, :description)
ON CONFLICT (name) DO UPDATE SET description = excluded.description;

-- name: warden_role_find^
SELECT name, description FROM warden_role WHERE name = :name;

-- name: warden_role_list
SELECT name, description FROM warden_role ORDER BY name;

-- name: warden_role_allow!
-- A permission carried by a role.
INSERT INTO warden_role_permission(role, permission) VALUES (:role, :permission)
ON CONFLICT (role, permission) DO NOTHING;

-- name: warden_role_disallow!
DELETE FROM warden_role_permission WHERE role = :role AND permission = :permission;

-- name: warden_role_permissions
SELECT role, permission FROM warden_role_permission ORDER BY role, permission;

-- name: warden_role_grant!
INSERT INTO warden_user_role(login, role) VALUES (:login, :role)
ON CONFLICT (login, role) DO NOTHING;

-- name: warden_role_revoke!
DELETE FROM warden_user_role WHERE login = :login AND role = :role;

-- name: warden_role_members
SELECT login FROM warden_user_role WHERE role = :role ORDER BY login;

-- name: warden_roles_of
-- A user's roles, and the permissions each carries (null for a role that carries none).
SELECT r.role, p.permission
  FROM warden_user_role AS r LEFT JOIN warden_role_permission AS p ON (p.role = r.role)
 WHERE r.login = :login
 ORDER BY r.role, p.permission;

-- name: warden_blocklist_list
SELECT cidr, reason, created FROM warden_blocklist ORDER BY created, cidr;

-- name: warden_blocklist_add!
INSERT INTO warden_blocklist(cidr, reason, created) VALUES (:cidr, :reason, :created);

-- name: warden_blocklist_remove!
DELETE FROM warden_blocklist WHERE cidr = :cidr;

-- name: warden_audit_insert!
INSERT INTO warden_audit(at, request_id, actor, tenant, client_ip, method, route,
                         target_domain, target_id, action, outcome, rule, detail, count)
VALUES (:at, :request_id, :actor, :tenant, :client_ip, :method, :route,
        :target_domain, :target_id, :action, :outcome, :rule, :detail, :count);

-- name: warden_audit_head_lock!
-- Takes the chain head's row lock (SQLite's write transaction already is the lock).
UPDATE warden_audit_head SET seq = seq WHERE id = 1;

-- name: warden_audit_head^
SELECT seq, hash FROM warden_audit_head WHERE id = 1;

-- name: warden_audit_head_set!
UPDATE warden_audit_head SET seq = :seq, hash = :hash WHERE id = 1;

-- name: warden_audit_unsealed
SELECT id, at, request_id, actor, tenant, client_ip, method, route, target_domain, target_id,
       action, outcome, rule, detail, count, seq, hash
  FROM warden_audit
 WHERE seq IS NULL
 ORDER BY id
 LIMIT :limit;

-- name: warden_audit_seal!
UPDATE warden_audit SET seq = :seq, hash = :hash WHERE id = :id AND seq IS NULL;

-- name: warden_audit_unsealed_count$
SELECT COUNT(*) FROM warden_audit WHERE seq IS NULL;

-- name: warden_audit_chain
SELECT id, at, request_id, actor, tenant, client_ip, method, route, target_domain, target_id,
       action, outcome, rule, detail, count, seq, hash
  FROM warden_audit
 WHERE seq > :after AND seq <= :upto
 ORDER BY seq
 LIMIT :limit;

-- name: warden_audit_checkpoints
SELECT upto, hash, at, archived, signature FROM warden_audit_checkpoint ORDER BY upto;

-- name: warden_audit_checkpoint_insert!
INSERT INTO warden_audit_checkpoint(upto, hash, at, archived, signature)
VALUES (:upto, :hash, :at, :archived, :signature);

-- name: warden_audit_archive_delete!
DELETE FROM warden_audit WHERE seq IS NOT NULL AND seq <= :upto;

-- name: warden_audit_list
-- Newest first; '' and 0 mean "any", before is the id to page below.
SELECT id, at, request_id, actor, tenant, client_ip, method, route, target_domain, target_id,
       action, outcome, rule, detail, count, seq, hash
  FROM warden_audit
 WHERE id < :before
   AND (:actor = '' OR actor = :actor)
   AND (:action = '' OR action = :action)
   AND (:outcome = 0 OR outcome = :outcome)
   AND (:since = '' OR at >= :since)
   AND (:until = '' OR at < :until)
 ORDER BY id DESC
 LIMIT :limit;
