-- Up Migration

-- Owner API keys, one account each, issued at signup. Only the SHA-256 digest of a key is
-- stored; the key itself is shown once, in the response that issued it.
CREATE TABLE api_owner_keys (
  key_sha256     text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
  account_id     text NOT NULL REFERENCES accounts (account_id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  first_used_at  timestamptz,
  revoked_at     timestamptz
);
CREATE INDEX api_owner_keys_account_idx ON api_owner_keys (account_id) WHERE revoked_at IS NULL;

-- Idempotency-Key records per caller: what a key was first used for (a fingerprint of the
-- request) and, once answered, the response to replay. Holds no personal data: signup
-- responses are never stored, and command responses carry only account views.
CREATE TABLE api_idempotency_keys (
  scope            text NOT NULL,
  idempotency_key  text NOT NULL,
  fingerprint      text NOT NULL,
  status_code      integer,
  content_type     text,
  body             text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at);

-- Down Migration
DROP TABLE api_idempotency_keys;
DROP TABLE api_owner_keys;
