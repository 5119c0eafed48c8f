-- Up Migration

-- Lifetime-deal campaigns (LTD-3, LTD-4, LTD-5). Money in minor units of `currency`.
CREATE TABLE coupon_campaigns (
  campaign_id       text PRIMARY KEY,
  plan_id           text NOT NULL,
  currency          char(3) NOT NULL,
  included_seats    integer NOT NULL CHECK (included_seats > 0),
  one_time_price    bigint NOT NULL CHECK (one_time_price >= 0),
  extra_seat_price  bigint NOT NULL CHECK (extra_seat_price >= 0),
  -- The last second in which a redemption is accepted (inclusive).
  redeem_by         timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Codes are stored as the SHA-256 of the normalised code only: the table cannot be turned back
-- into valid codes. A code opens at most one account, and an account holds at most one code
-- (LTD-2, LTD-11).
CREATE TABLE coupon_codes (
  code_hash            text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  campaign_id          text NOT NULL REFERENCES coupon_campaigns (campaign_id),
  redeemed_account_id  text UNIQUE REFERENCES accounts (account_id),
  redeemed_at          timestamptz,
  imported_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_codes_campaign_idx ON coupon_codes (campaign_id);

-- Personal data of a redemption (GDPR-1, LTD-1), stored by the API before the code's workflow
-- runs; the workflow only ever sees the request id.
CREATE TABLE coupon_redemption_requests (
  request_id        text PRIMARY KEY,
  code_hash         text NOT NULL REFERENCES coupon_codes (code_hash),
  full_name         text NOT NULL,
  email             text NOT NULL,
  company           text NOT NULL,
  language          text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'lt', 'ro')),
  owner_key_sha256  text NOT NULL CHECK (owner_key_sha256 ~ '^[0-9a-f]{64}$'),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_redemption_requests_code_idx ON coupon_redemption_requests (code_hash);

-- The unique URL of an account (LTD-1).
CREATE TABLE account_slugs (
  slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  account_id  text NOT NULL UNIQUE REFERENCES accounts (account_id)
);

-- Billing details for invoices (LTD-7): personal data, read by activities only.
CREATE TABLE billing_details (
  account_id             text PRIMARY KEY REFERENCES accounts (account_id),
  full_name              text,
  email                  text,
  company                text,
  street                 text,
  city                   text,
  postcode               text,
  country                text,
  state                  text,
  company_code           text,
  trade_register_number  text,
  tax_code               text,
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE billing_details;
DROP TABLE account_slugs;
DROP TABLE coupon_redemption_requests;
DROP TABLE coupon_codes;
DROP TABLE coupon_campaigns;
