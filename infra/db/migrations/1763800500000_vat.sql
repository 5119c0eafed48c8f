-- Up Migration

-- PAY-10: the owner's EU VAT id, kept with the rest of the billing details (personal data).
ALTER TABLE billing_details ADD COLUMN vat_id text;

-- The billing details an invoice is issued with, copied when it is charged (first copy wins),
-- and the tax treatment they led to. Personal data: erased with the account; the invoice keeps
-- its own copy of what tax law requires.
CREATE TABLE invoice_billing_snapshots (
  invoice_id     text PRIMARY KEY,
  account_id     text NOT NULL REFERENCES accounts (account_id),
  snapshot       jsonb,
  tax_treatment  jsonb NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_billing_snapshots_account_idx ON invoice_billing_snapshots (account_id);

-- What an issued invoice legally shows of its customer (name, company, address, country, VAT
-- id; never an email), its VAT treatment, and for a corrected invoice (PAY-9) the invoice it
-- replaces and the payment (payments.payment_id) that paid both.
ALTER TABLE invoices
  ADD COLUMN billing_snapshot jsonb,
  ADD COLUMN tax_treatment jsonb,
  ADD COLUMN corrects_invoice_id text REFERENCES invoices (invoice_id),
  ADD COLUMN payment_id text;
ALTER TABLE invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_check CHECK (status IN ('paid', 'credited'));

-- Gap-free credit note numbers per calendar year (CN-YYYY-000001), apart from invoices'.
CREATE TABLE credit_note_counters (
  year        integer PRIMARY KEY,
  last_value  integer NOT NULL
);

-- PAY-9: a credit note cancels one invoice in full (negative amounts); at most one per invoice.
CREATE TABLE credit_notes (
  credit_note_id   text PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (account_id),
  number           text NOT NULL UNIQUE,
  invoice_id       text NOT NULL UNIQUE REFERENCES invoices (invoice_id),
  idempotency_key  text NOT NULL UNIQUE,
  currency         char(3) NOT NULL,
  lines            jsonb NOT NULL,
  subtotal         bigint NOT NULL CHECK (subtotal <= 0),
  tax              bigint NOT NULL CHECK (tax <= 0),
  total            bigint NOT NULL CHECK (total <= 0),
  reason           text NOT NULL,
  issued_at        timestamptz NOT NULL
);
CREATE INDEX credit_notes_account_idx ON credit_notes (account_id, issued_at);

-- Down Migration
DROP TABLE credit_notes;
DROP TABLE credit_note_counters;
ALTER TABLE invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_check CHECK (status IN ('paid'));
ALTER TABLE invoices
  DROP COLUMN payment_id,
  DROP COLUMN corrects_invoice_id,
  DROP COLUMN tax_treatment,
  DROP COLUMN billing_snapshot;
DROP TABLE invoice_billing_snapshots;
ALTER TABLE billing_details DROP COLUMN vat_id;
