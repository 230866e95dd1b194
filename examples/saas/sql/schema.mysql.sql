-- The back-end's tables on MySQL/MariaDB.
CREATE TABLE tenants(
  id VARCHAR(64) PRIMARY KEY CHECK (CHAR_LENGTH(id) BETWEEN 1 AND 64),
  name VARCHAR(200) NOT NULL
);
CREATE TABLE users(
  tenant_id VARCHAR(64) NOT NULL,
  login VARCHAR(100) NOT NULL CHECK (CHAR_LENGTH(login) BETWEEN 1 AND 100 AND LOCATE('@', login) = 0),
  password VARCHAR(255) NOT NULL,
  role VARCHAR(20) NOT NULL DEFAULT 'MEMBER' CHECK (role IN ('MEMBER', 'ADMIN', 'PLATFORM')),
  CONSTRAINT users_login_unique PRIMARY KEY (tenant_id, login),
  CONSTRAINT users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants(id)
);
CREATE TABLE projects(
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(100) NOT NULL CHECK (CHAR_LENGTH(name) BETWEEN 1 AND 100),
  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
  CONSTRAINT projects_name_unique UNIQUE (tenant_id, name),
  CONSTRAINT projects_tenant FOREIGN KEY (tenant_id) REFERENCES tenants(id)
);
