-- Test schema for SQLite; create.postgres.sql and create.mysql.sql say the same in their SQL.
CREATE TABLE IF NOT EXISTS Stuff(
  sid INTEGER PRIMARY KEY AUTOINCREMENT,
  stuff VARCHAR(100) UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS Owner(
  oid INTEGER PRIMARY KEY,
  login VARCHAR(50) UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS Owned(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner INTEGER NOT NULL,
  object VARCHAR(100) NOT NULL,
  price DECIMAL(10, 2) NOT NULL,
  CONSTRAINT owned_owner_fk FOREIGN KEY (owner) REFERENCES Owner(oid),
  CONSTRAINT owned_price_check CHECK (price >= 0)
);
CREATE TABLE IF NOT EXISTS Typed(
  id INTEGER PRIMARY KEY,
  i INTEGER,
  big BIGINT,
  f DOUBLE PRECISION,
  d DECIMAL(10, 2),
  t TEXT,
  b BOOLEAN,
  day DATE,
  tod TIME,
  at TIMESTAMP,
  atz TIMESTAMPTZ,
  doc JSON,
  uid UUID,
  bin BLOB
);
