-- Up Migration

-- GDPR-2: every data-subject request (access, rectification, erasure, restriction and its
-- lifting, objection), when it was made, by whom (the owner, or support on the person's behalf),
-- when it was answered and how. An accountability record: it holds no personal data (`detail`
-- names fields and counts, never values), survives the CAN-3 erasure, and is deleted with the
-- rest of what is still held 5 years after the account ends (GDPR-4).
CREATE TABLE gdpr_requests (
  request_id    text PRIMARY KEY,
  account_id    text NOT NULL REFERENCES accounts (account_id),
  kind          text NOT NULL CHECK (
    kind IN ('access', 'rectification', 'erasure', 'restriction', 'unrestriction', 'objection')
  ),
  requested_by  text NOT NULL CHECK (requested_by IN ('owner', 'support')),
  requested_at  timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  outcome       text CHECK (outcome IN ('completed', 'refused')),
  refusal_code  text,
  detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK ((outcome IS NULL) = (completed_at IS NULL)),
  CHECK ((outcome = 'refused') = (refusal_code IS NOT NULL))
);
CREATE INDEX gdpr_requests_account_idx ON gdpr_requests (account_id, requested_at);

-- GDPR-3: marketing consent as an append-only history (each grant or revocation, when, and
-- from where) ...
CREATE TABLE marketing_consent_events (
  event_id         bigserial PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (account_id),
  granted          boolean NOT NULL,
  source           text NOT NULL CHECK (
    source IN ('signup_form', 'owner_api', 'objection')
  ),
  occurred_at      timestamptz NOT NULL DEFAULT now(),
  gdpr_request_id  text REFERENCES gdpr_requests (request_id)
);
CREATE INDEX marketing_consent_events_account_idx
  ON marketing_consent_events (account_id, occurred_at);

-- History is never rewritten: rows are added, and deleted only by the GDPR-4 retention purge.
CREATE FUNCTION marketing_consent_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'marketing_consent_events is append-only';
END;
$$;
CREATE TRIGGER marketing_consent_events_no_update
  BEFORE UPDATE ON marketing_consent_events
  FOR EACH ROW EXECUTE FUNCTION marketing_consent_events_append_only();

-- ... and the current state, written in the same transaction as each history row. Marketing
-- email is sent only while `granted` is true (checked at send time).
CREATE TABLE marketing_consents (
  account_id  text PRIMARY KEY REFERENCES accounts (account_id),
  granted     boolean NOT NULL,
  source      text NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- GDPR-2 restriction of processing: while a row exists, nothing optional is done with the
-- account's personal data (no marketing email, whatever the consent). Lifting it deletes the
-- row; both requests stay in gdpr_requests.
CREATE TABLE processing_restrictions (
  account_id       text PRIMARY KEY REFERENCES accounts (account_id),
  restricted_at    timestamptz NOT NULL,
  gdpr_request_id  text NOT NULL REFERENCES gdpr_requests (request_id)
);

-- A coupon redemption's personal data belongs to the account it opened: linked here, so that
-- the account's erasure (CAN-3) and export (GDPR-2) reach it. Existing rows are linked to the
-- account their code opened when the requester's email is the owner's.
ALTER TABLE coupon_redemption_requests ADD COLUMN account_id text REFERENCES accounts (account_id);
UPDATE coupon_redemption_requests r
   SET account_id = k.redeemed_account_id
  FROM coupon_codes k, account_contacts c
 WHERE k.code_hash = r.code_hash
   AND c.account_id = k.redeemed_account_id
   AND lower(c.email) = lower(r.email);
CREATE INDEX coupon_redemption_requests_account_idx
  ON coupon_redemption_requests (account_id) WHERE account_id IS NOT NULL;

-- GDPR-4: the purge of what was still held 5 years after the account ended is audited too.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_kind_check CHECK (
  kind IN (
    'account_erased',
    'ops_action_announced',
    'ops_action_withdrawn',
    'account_suspended',
    'account_reactivated',
    'account_terminated',
    'retention_purged'
  )
);

-- Down Migration
DELETE FROM audit_events WHERE kind = 'retention_purged';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_kind_check CHECK (
  kind IN (
    'account_erased',
    'ops_action_announced',
    'ops_action_withdrawn',
    'account_suspended',
    'account_reactivated',
    'account_terminated'
  )
);
DROP INDEX coupon_redemption_requests_account_idx;
ALTER TABLE coupon_redemption_requests DROP COLUMN account_id;
DROP TABLE processing_restrictions;
DROP TABLE marketing_consents;
DROP TRIGGER marketing_consent_events_no_update ON marketing_consent_events;
DROP FUNCTION marketing_consent_events_append_only();
DROP TABLE marketing_consent_events;
DROP TABLE gdpr_requests;
