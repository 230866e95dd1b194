-- The IP blocklist that administrators edit (AppBuilder::blocklist): one network per row in
-- CIDR notation with its host bits cleared, as warden normalizes it. created is unix seconds.
CREATE TABLE warden_blocklist(
  cidr VARCHAR(64) PRIMARY KEY,
  reason VARCHAR(255),
  created BIGINT NOT NULL
);
