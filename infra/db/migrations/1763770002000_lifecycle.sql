-- Up Migration

-- What happened to an account that must be provable later, e.g. an erasure (CAN-3, INACT-2):
-- what was erased and when. Holds no personal data: counts and table names only.
CREATE TABLE audit_events (
  event_id         bigserial PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (account_id),
  kind             text NOT NULL CHECK (kind IN ('account_erased')),
  detail           jsonb NOT NULL,
  idempotency_key  text NOT NULL UNIQUE,
  occurred_at      timestamptz NOT NULL
);
CREATE INDEX audit_events_account_idx ON audit_events (account_id, occurred_at);

-- Down Migration
DROP TABLE audit_events;
