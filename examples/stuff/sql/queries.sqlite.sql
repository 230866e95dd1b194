-- SQLite's CURRENT_TIMESTAMP is text without a zone: spell RFC 3339 out.

-- name: now$
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS now;
