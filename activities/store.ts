/**
 * Postgres operations of the activities: the paid-invoice ledger with gap-free numbering, the
 * accounts read model, the processor customer per account, the owner's contact details and the
 * email outbox. Every write is idempotent by a business key, enforced by the schema.
 */
import type pg from 'pg';
import type { AccountView } from '../workflows/policy/account';
import type {
  ClauseId,
  InvoiceDraft,
  InvoiceLine,
  InvoiceTaxTreatment,
} from '../workflows/policy/invoice';
import { currencies, type Currency } from '../workflows/policy/money';

export type Language = 'en' | 'lt' | 'ro';
export const languages: readonly Language[] = ['en', 'lt', 'ro'];

/** Personal data of the account owner (GDPR-1): read at send time, never logged or returned upstream. */
export interface Contact {
  readonly email: string;
  readonly fullName: string;
  readonly language: Language;
}

/** An invoice as stored once it is paid, with its legal number. */
export interface StoredInvoice {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly number: string;
  readonly currency: Currency;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly issuedAt: number;
  /** The VAT treatment (PAY-10), with its legal note; null on invoices issued before VAT. */
  readonly taxTreatment: InvoiceTaxTreatment | null;
  /** PAY-9: the invoice this one corrects, or null. */
  readonly correctsInvoiceId: string | null;
}

export interface OutboxEntry {
  readonly messageId: string;
  readonly sentAt: number | null;
}

export interface Store {
  /**
   * Stores the paid invoice and its payment in one transaction and returns the invoice's
   * number. The first call numbers it (`YYYY-000001`, gap-free per issue year); every later
   * call for the same invoice id returns that number and writes nothing.
   */
  recordPaidInvoice(input: {
    readonly invoice: InvoiceDraft;
    readonly processorPaymentId: string;
    readonly idempotencyKey: string;
    readonly paidAt: number;
  }): Promise<{ readonly number: string; readonly created: boolean }>;
  /** Writes the read model unless it already holds this version or a newer one. */
  publishAccount(view: AccountView, version: number): Promise<{ readonly applied: boolean }>;
  customerFor(accountId: string): Promise<string | null>;
  /** Remembers the processor customer; returns the one stored first if there already is one. */
  saveCustomer(accountId: string, customerId: string): Promise<string>;
  contactFor(accountId: string): Promise<Contact | null>;
  /**
   * GDPR-3: whether marketing email may be sent to the account's owner now: consent is
   * granted and processing is not restricted (GDPR-2).
   */
  marketingAllowed(accountId: string): Promise<boolean>;
  /** Creates the outbox row for the key if it does not exist yet, and returns it. */
  claimEmail(input: {
    readonly idempotencyKey: string;
    readonly accountId: string;
    readonly template: string;
    readonly messageId: string;
  }): Promise<OutboxEntry>;
  markEmailSent(idempotencyKey: string): Promise<void>;
  invoice(invoiceId: string): Promise<StoredInvoice | null>;
}

export class AccountRowMissingError extends Error {
  override readonly name = 'AccountRowMissingError';
}

export function formatInvoiceNumber(year: number, value: number): string {
  return `${year}-${String(value).padStart(6, '0')}`;
}

export function createStore(pool: pg.Pool): Store {
  return {
    async recordPaidInvoice({ invoice, processorPaymentId, idempotencyKey, paidAt }) {
      return transaction(pool, async (client) => {
        // Serialise every attempt for this invoice: a racing attempt waits here until the first
        // commits and then finds the row, so one invoice never takes two numbers.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `invoice:${invoice.invoiceId}`,
        ]);
        const existing = await client.query<{ number: string }>(
          'SELECT number FROM invoices WHERE invoice_id = $1',
          [invoice.invoiceId],
        );
        if (existing.rows[0]) return { number: existing.rows[0].number, created: false };

        // The counter row stays locked until commit, and a rollback returns the value: no gaps.
        const year = new Date(paidAt).getUTCFullYear();
        const counter = await client.query<{ last_value: number }>(
          `INSERT INTO invoice_counters (year, last_value) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last_value = invoice_counters.last_value + 1
           RETURNING last_value`,
          [year],
        );
        const number = formatInvoiceNumber(year, counter.rows[0].last_value);
        const issuedAt = new Date(paidAt);
        // PAY-10: the invoice carries the billing details snapshotted when it was charged.
        await client.query(
          `INSERT INTO invoices (invoice_id, account_id, number, currency, period_start, period_end,
                                 lines, subtotal, tax, total, status, issued_at, tax_treatment,
                                 billing_snapshot)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'paid', $11, $12,
                   (SELECT snapshot FROM invoice_billing_snapshots
                     WHERE invoice_id = $1 AND account_id = $2))`,
          [
            invoice.invoiceId,
            invoice.accountId,
            number,
            invoice.currency,
            new Date(invoice.periodStart),
            new Date(invoice.periodEnd),
            JSON.stringify(invoice.lines),
            invoice.subtotal,
            invoice.tax,
            invoice.total,
            issuedAt,
            invoice.taxTreatment ? JSON.stringify(invoice.taxTreatment) : null,
          ],
        );
        await client.query(
          `INSERT INTO payments (payment_id, invoice_id, idempotency_key, processor_payment_id,
                                 amount, currency, paid_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            `payment:${invoice.invoiceId}`,
            invoice.invoiceId,
            idempotencyKey,
            processorPaymentId,
            invoice.total,
            invoice.currency,
            issuedAt,
          ],
        );
        await client.query('UPDATE invoices SET payment_id = $2 WHERE invoice_id = $1', [
          invoice.invoiceId,
          `payment:${invoice.invoiceId}`,
        ]);
        return { number, created: true };
      });
    },

    async publishAccount(view, version) {
      const updated = await pool.query(
        `UPDATE accounts
            SET status = $2, plan_id = $3, seats = $4, cycle = $5, view = $6,
                state_version = $7, updated_at = now()
          WHERE account_id = $1 AND state_version < $7`,
        [
          view.accountId,
          view.status,
          view.planId,
          view.seats,
          view.cycle,
          JSON.stringify(view),
          version,
        ],
      );
      if (updated.rowCount === 1) return { applied: true };
      const present = await pool.query('SELECT 1 FROM accounts WHERE account_id = $1', [
        view.accountId,
      ]);
      if (present.rowCount === 0) {
        // Signup writes the row before the workflow starts; if it is not there yet, retry.
        throw new AccountRowMissingError(`No accounts row for account ${view.accountId}`);
      }
      return { applied: false };
    },

    customerFor: (accountId) => customerFor(pool, accountId),

    async saveCustomer(accountId, customerId) {
      await pool.query(
        `INSERT INTO processor_customers (account_id, customer_id) VALUES ($1, $2)
         ON CONFLICT (account_id) DO NOTHING`,
        [accountId, customerId],
      );
      const stored = await customerFor(pool, accountId);
      if (stored === null) throw new Error(`processor customer for ${accountId} was not stored`);
      return stored;
    },

    async contactFor(accountId) {
      const result = await pool.query<{ email: string; full_name: string; language: string }>(
        'SELECT email, full_name, language FROM account_contacts WHERE account_id = $1',
        [accountId],
      );
      const row = result.rows[0];
      if (!row) return null;
      return { email: row.email, fullName: row.full_name, language: asLanguage(row.language) };
    },

    async marketingAllowed(accountId) {
      const result = await pool.query<{ allowed: boolean }>(
        `SELECT c.granted AND NOT EXISTS (
                  SELECT 1 FROM processing_restrictions r WHERE r.account_id = c.account_id
                ) AS allowed
           FROM marketing_consents c WHERE c.account_id = $1`,
        [accountId],
      );
      return result.rows[0]?.allowed ?? false;
    },

    async claimEmail({ idempotencyKey, accountId, template, messageId }) {
      await pool.query(
        `INSERT INTO email_outbox (idempotency_key, account_id, template, message_id)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (idempotency_key) DO NOTHING`,
        [idempotencyKey, accountId, template, messageId],
      );
      const result = await pool.query<{ message_id: string; sent_at: Date | null }>(
        'SELECT message_id, sent_at FROM email_outbox WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      const row = result.rows[0];
      if (!row) throw new Error('email outbox row vanished after insert');
      return { messageId: row.message_id, sentAt: row.sent_at ? row.sent_at.getTime() : null };
    },

    async markEmailSent(idempotencyKey) {
      await pool.query(
        'UPDATE email_outbox SET sent_at = now() WHERE idempotency_key = $1 AND sent_at IS NULL',
        [idempotencyKey],
      );
    },

    async invoice(invoiceId) {
      const result = await pool.query<InvoiceRow>(
        `SELECT invoice_id, account_id, number, currency, period_start, period_end, lines,
                subtotal, tax, total, issued_at, tax_treatment, corrects_invoice_id
           FROM invoices WHERE invoice_id = $1`,
        [invoiceId],
      );
      const row = result.rows[0];
      return row ? toStoredInvoice(row) : null;
    },
  };
}

async function customerFor(pool: pg.Pool, accountId: string): Promise<string | null> {
  const result = await pool.query<{ customer_id: string }>(
    'SELECT customer_id FROM processor_customers WHERE account_id = $1',
    [accountId],
  );
  return result.rows[0]?.customer_id ?? null;
}

interface InvoiceRow {
  invoice_id: string;
  account_id: string;
  number: string;
  currency: string;
  period_start: Date;
  period_end: Date;
  lines: unknown;
  subtotal: string;
  tax: string;
  total: string;
  issued_at: Date;
  /** Written from a policy InvoiceTaxTreatment by recordPaidInvoice or issueCorrection. */
  tax_treatment: InvoiceTaxTreatment | null;
  corrects_invoice_id: string | null;
}

function toStoredInvoice(row: InvoiceRow): StoredInvoice {
  return {
    invoiceId: row.invoice_id,
    accountId: row.account_id,
    number: row.number,
    currency: asCurrency(row.currency),
    periodStart: row.period_start.getTime(),
    periodEnd: row.period_end.getTime(),
    lines: asLines(row.lines),
    subtotal: asAmount(row.subtotal),
    tax: asAmount(row.tax),
    total: asAmount(row.total),
    issuedAt: row.issued_at.getTime(),
    taxTreatment: row.tax_treatment,
    correctsInvoiceId: row.corrects_invoice_id,
  };
}

async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function asLanguage(value: string): Language {
  const found = languages.find((language) => language === value);
  if (!found) throw new Error(`Unsupported contact language "${value}"`);
  return found;
}

function asCurrency(value: string): Currency {
  const found = currencies.find((currency) => currency === value.trim());
  if (!found) throw new Error(`Unsupported currency "${value}" in a stored invoice`);
  return found;
}

/** bigint columns arrive as strings; amounts are always safe integers. */
function asAmount(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`Amount out of range: ${value}`);
  return parsed;
}

function asLines(value: unknown): readonly InvoiceLine[] {
  if (!Array.isArray(value)) throw new Error('Stored invoice lines are not a list');
  return value.map((line: unknown): InvoiceLine => {
    if (!isRecord(line)) throw new Error('Stored invoice line is not an object');
    const { description, clause, periodStart, periodEnd, quantity, unitAmount, amount } = line;
    if (
      typeof description !== 'string' ||
      typeof clause !== 'string' ||
      typeof periodStart !== 'number' ||
      typeof periodEnd !== 'number' ||
      typeof quantity !== 'number' ||
      typeof unitAmount !== 'number' ||
      typeof amount !== 'number'
    ) {
      throw new Error('Stored invoice line has an unexpected shape');
    }
    // Written by recordPaidInvoice from a policy InvoiceLine, so the clause is one of ClauseId.
    const stored = clause as ClauseId;
    return { description, clause: stored, periodStart, periodEnd, quantity, unitAmount, amount };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
