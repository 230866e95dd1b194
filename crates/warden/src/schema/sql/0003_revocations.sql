-- Per-user revocations ("every token issued before valid_after"), kept for the longest token
-- lifetime (until expires), so that they outlive the store that answers them quickly.
-- Times are unix seconds.
CREATE TABLE warden_revocation(
  login VARCHAR(255) PRIMARY KEY,
  valid_after BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
