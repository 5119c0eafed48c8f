-- Up Migration

-- Read model of each account, written by the account workflow. No personal data.
CREATE TABLE accounts (
  account_id      text PRIMARY KEY,
  signup_id       text NOT NULL UNIQUE,
  status          text NOT NULL,
  plan_id         text NOT NULL,
  seats           integer NOT NULL CHECK (seats > 0),
  cycle           text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
  currency        char(3) NOT NULL,
  state_version   integer NOT NULL DEFAULT 0,
  view            jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_status_idx ON accounts (status);

-- Personal data of account owners (GDPR-1): the only table that holds names and emails.
CREATE TABLE account_contacts (
  account_id        text PRIMARY KEY REFERENCES accounts (account_id),
  full_name         text NOT NULL,
  email             text NOT NULL,
  language          text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'lt', 'ro')),
  age_confirmed_at  timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- The payment processor's customer per account (a token, PAY-8).
CREATE TABLE processor_customers (
  account_id    text PRIMARY KEY REFERENCES accounts (account_id),
  customer_id   text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Gap-free invoice numbers per calendar year.
CREATE TABLE invoice_counters (
  year        integer PRIMARY KEY,
  last_value  integer NOT NULL
);

CREATE TABLE invoices (
  invoice_id      text PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (account_id),
  number          text NOT NULL UNIQUE,
  currency        char(3) NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  lines           jsonb NOT NULL,
  subtotal        bigint NOT NULL,
  tax             bigint NOT NULL,
  total           bigint NOT NULL,
  status          text NOT NULL CHECK (status IN ('paid')),
  issued_at       timestamptz NOT NULL
);
CREATE INDEX invoices_account_idx ON invoices (account_id, issued_at);

CREATE TABLE payments (
  payment_id            text PRIMARY KEY,
  invoice_id            text NOT NULL UNIQUE REFERENCES invoices (invoice_id),
  idempotency_key       text NOT NULL UNIQUE,
  processor_payment_id  text NOT NULL,
  amount                bigint NOT NULL,
  currency              char(3) NOT NULL,
  paid_at               timestamptz NOT NULL
);

-- Every email the platform sends, keyed so that a retried activity never sends twice.
-- Holds no address: the recipient is read from account_contacts at send time.
CREATE TABLE email_outbox (
  idempotency_key  text PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (account_id),
  template         text NOT NULL,
  message_id       text NOT NULL,
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE email_outbox;
DROP TABLE payments;
DROP TABLE invoices;
DROP TABLE invoice_counters;
DROP TABLE processor_customers;
DROP TABLE account_contacts;
DROP TABLE accounts;
