-- Up Migration

-- PAY-12: refunds of unused prepaid credit, one per credit, against the processor payment that
-- bought it. The remainder at cancellation splits exactly into what was refunded and the
-- cancellation fee retained. Ids and money only: no personal data.
CREATE TABLE refunds (
  refund_id             text PRIMARY KEY,
  account_id            text NOT NULL REFERENCES accounts (account_id),
  credit_id             text NOT NULL UNIQUE REFERENCES invoices (invoice_id),
  processor_payment_id  text NOT NULL,
  remaining             bigint NOT NULL CHECK (remaining > 0),
  amount                bigint NOT NULL CHECK (amount > 0),
  fee_retained          bigint NOT NULL CHECK (fee_retained >= 0),
  currency              char(3) NOT NULL,
  clause                text NOT NULL DEFAULT 'PAY-12',
  idempotency_key       text NOT NULL UNIQUE,
  refunded_at           timestamptz NOT NULL,
  CHECK (amount + fee_retained = remaining)
);
CREATE INDEX refunds_account_idx ON refunds (account_id, refunded_at);

-- Down Migration
DROP TABLE refunds;
