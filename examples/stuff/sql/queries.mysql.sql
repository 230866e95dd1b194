-- MySQL/MariaDB: no ON CONFLICT (INSERT IGNORE instead), and CURRENT_TIMESTAMP is local time.

-- name: now$
SELECT UTC_TIMESTAMP() AS now;

-- name: add_new_user$
INSERT IGNORE INTO Utilisateur(login, pword) VALUES (:login, :pword)
  RETURNING uid;

-- name: new_user_with_object$
INSERT IGNORE INTO Utilisateur(login, pword, isAdmin) VALUES (:u.login, :u.password, :u.isAdmin)
  RETURNING uid;
