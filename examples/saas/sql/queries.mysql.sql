-- MySQL has no RETURNING: a `<!` insert gives the new row's id.

-- name: add_project<!
INSERT INTO projects(tenant_id, name) VALUES (:tenant, :name);
