-- API keys: the key's signing key for signed requests, sealed under the server's secret (hex of
-- 32 bytes). It is not derivable from `hash`, so reading this table is not enough to sign
-- requests. Keys stored before this step have none, and cannot sign.
ALTER TABLE warden_api_key ADD COLUMN sealed_signing_key VARCHAR(64);
