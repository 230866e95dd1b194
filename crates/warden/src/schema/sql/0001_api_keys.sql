-- API keys: the public id, the holder's login, a name, and the SHA-256 of the secret (never
-- the secret). No foreign key to the application's users, which warden does not know: a key
-- whose holder is gone is refused at every use.
CREATE TABLE warden_api_key(
  id VARCHAR(64) PRIMARY KEY,
  login VARCHAR(255) NOT NULL,
  name VARCHAR(255) NOT NULL,
  hash VARCHAR(64) NOT NULL,
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  last_used TIMESTAMP NULL,
  revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX warden_api_key_login ON warden_api_key(login);
