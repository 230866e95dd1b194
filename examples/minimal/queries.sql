-- The back-end's named queries (AnoDB format): the suffix says what a query returns.
-- (none) rows, ^ one row or none, $ one value, ! a change; :name is a parameter.

-- name: warden_user^
-- The user directory: login, password hash and groups (warden's roles add theirs).
SELECT login, password, CASE WHEN is_admin THEN 'ADMIN' ELSE '' END AS groups
  FROM users WHERE login = :login;

-- name: warden_user_add!
-- For the first administrator, POST /users and `warden user add --queries queries.sql`.
INSERT INTO users(login, password) VALUES (:login, :password);

-- name: warden_user_list
SELECT login FROM users ORDER BY login;

-- name: warden_set_password!
UPDATE users SET password = :password WHERE login = :login;

-- name: warden_user_remove!
DELETE FROM users WHERE login = :login;

-- name: task_owner$
-- The "task" object check: 1 if the caller owns task :id, 0 if not, null if there is none.
SELECT CASE WHEN owner = :login THEN 1 ELSE 0 END FROM tasks WHERE id = :id;

-- name: tasks_of
SELECT id, title, done FROM tasks WHERE owner = :login ORDER BY id LIMIT :limit OFFSET :offset;

-- name: all_tasks
SELECT id, owner, title, done FROM tasks ORDER BY id LIMIT :limit OFFSET :offset;

-- name: add_task$
INSERT INTO tasks(owner, title) VALUES (:login, :title) RETURNING id;

-- name: get_task^
SELECT id, title, done FROM tasks WHERE id = :id;

-- name: set_done!
UPDATE tasks SET done = :done WHERE id = :id;

-- name: delete_task!
DELETE FROM tasks WHERE id = :id;
