-- Up Migration

-- Stripe webhook events already handled, by Stripe's event id: a redelivered event is
-- acknowledged and changes nothing. Ids, type and outcome only: event payloads may carry
-- personal data and are never stored.
CREATE TABLE stripe_events (
  event_id     text PRIMARY KEY,
  type         text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  account_id   text,
  outcome      text NOT NULL CHECK (
    outcome IN ('signalled', 'ignored_unknown_type', 'ignored_no_account', 'ignored_account_not_running')
  )
);
CREATE INDEX stripe_events_account_idx ON stripe_events (account_id) WHERE account_id IS NOT NULL;

-- Down Migration
DROP TABLE stripe_events;
