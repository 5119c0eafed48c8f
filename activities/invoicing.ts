/**
 * Billing details on invoices (PAY-10) and their corrections (PAY-9), in Postgres.
 *
 * The workflow never sees a name, address or VAT id: `snapshotBillingDetails` copies them into
 * the invoice's snapshot row and returns only the tax treatment; `recordPaidInvoice` moves the
 * snapshot onto the invoice; `issueCorrection` issues a credit note and a corrected invoice.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { taxTreatment, type TaxTreatment } from '../workflows/policy/vat';
import type { BillingActivities } from './contract';
import { activityLogger } from './log';
import { formatInvoiceNumber } from './store';

/**
 * What an issued invoice shows of its customer, as tax law requires: who (name, company), where
 * (address, country), the registration codes some countries require, and the VAT id. Never an
 * email or anything else.
 */
export const invoiceSnapshotFields = [
  'fullName',
  'company',
  'street',
  'city',
  'postcode',
  'state',
  'country',
  'companyCode',
  'tradeRegisterNumber',
  'taxCode',
  'vatId',
] as const;

export type InvoiceSnapshotField = (typeof invoiceSnapshotFields)[number];
export type BillingSnapshot = Readonly<Record<InvoiceSnapshotField, string | null>>;

export function formatCreditNoteNumber(year: number, value: number): string {
  return `CN-${formatInvoiceNumber(year, value)}`;
}

interface BillingDetailsRow {
  full_name: string | null;
  company: string | null;
  street: string | null;
  city: string | null;
  postcode: string | null;
  state: string | null;
  country: string | null;
  company_code: string | null;
  trade_register_number: string | null;
  tax_code: string | null;
  vat_id: string | null;
}

/** The account's billing details now, as an invoice would carry them; null if none on file. */
async function currentSnapshot(
  client: pg.Pool | pg.PoolClient,
  accountId: string,
): Promise<BillingSnapshot | null> {
  const found = await client.query<BillingDetailsRow>(
    `SELECT full_name, company, street, city, postcode, state, country, company_code,
            trade_register_number, tax_code, vat_id
       FROM billing_details WHERE account_id = $1`,
    [accountId],
  );
  const row = found.rows[0];
  if (!row) return null;
  return {
    fullName: row.full_name,
    company: row.company,
    street: row.street,
    city: row.city,
    postcode: row.postcode,
    state: row.state,
    country: row.country,
    companyCode: row.company_code,
    tradeRegisterNumber: row.trade_register_number,
    taxCode: row.tax_code,
    vatId: row.vat_id,
  };
}

export function createInvoicingActivities(deps: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** The seller's EU member state (PAY-10). */
  readonly sellerCountry: string;
}): Pick<BillingActivities, 'snapshotBillingDetails' | 'issueCorrection'> {
  const { pool, logger, sellerCountry } = deps;
  return {
    async snapshotBillingDetails({ accountId, invoiceId }) {
      const snapshot = await currentSnapshot(pool, accountId);
      const treatment: TaxTreatment = taxTreatment({
        sellerCountry,
        customerCountry: snapshot?.country ?? null,
        vatId: snapshot?.vatId ?? null,
      });
      // The first snapshot of an invoice wins: a retried or repeated charge is taxed the same.
      await pool.query(
        `INSERT INTO invoice_billing_snapshots (invoice_id, account_id, snapshot, tax_treatment)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (invoice_id) DO NOTHING`,
        [invoiceId, accountId, snapshot ? JSON.stringify(snapshot) : null, treatment],
      );
      const stored = await pool.query<{ account_id: string; tax_treatment: TaxTreatment }>(
        'SELECT account_id, tax_treatment FROM invoice_billing_snapshots WHERE invoice_id = $1',
        [invoiceId],
      );
      const row = stored.rows[0];
      if (!row || row.account_id !== accountId) {
        throw new Error(`The billing snapshot of invoice ${invoiceId} is not this account's`);
      }
      activityLogger(logger, 'snapshotBillingDetails', { accountId, invoiceId }).info(
        { treatment: row.tax_treatment.treatment, country: row.tax_treatment.country },
        'billing details snapshotted',
      );
      return row.tax_treatment;
    },

    async issueCorrection(input) {
      const log = activityLogger(logger, 'issueCorrection', {
        accountId: input.accountId,
        invoiceId: input.cancelledInvoiceId,
        idempotencyKey: input.idempotencyKey,
      });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `credit-note:${input.creditNoteId}`,
        ]);
        const done = await client.query<{ cn: string; inv: string }>(
          `SELECT c.number AS cn, i.number AS inv
             FROM credit_notes c, invoices i
            WHERE c.credit_note_id = $1 AND i.invoice_id = $2`,
          [input.creditNoteId, input.correctedInvoiceId],
        );
        if (done.rows[0]) {
          await client.query('COMMIT');
          return { creditNoteNumber: done.rows[0].cn, invoiceNumber: done.rows[0].inv };
        }
        const original = await client.query<{
          account_id: string;
          number: string;
          currency: string;
          period_start: Date;
          period_end: Date;
          lines: unknown;
          subtotal: string;
          tax: string;
          total: string;
          status: string;
          tax_treatment: unknown;
          payment_id: string | null;
        }>(
          `SELECT account_id, number, currency, period_start, period_end, lines, subtotal, tax,
                  total, status, tax_treatment,
                  COALESCE(payment_id, (SELECT payment_id FROM payments p
                                         WHERE p.invoice_id = invoices.invoice_id)) AS payment_id
             FROM invoices WHERE invoice_id = $1 FOR UPDATE`,
          [input.cancelledInvoiceId],
        );
        const cancelled = original.rows[0];
        if (!cancelled || cancelled.account_id !== input.accountId) {
          throw new Error(`Invoice ${input.cancelledInvoiceId} is not recorded for this account`);
        }
        const issuedAt = new Date(input.issuedAt);
        const year = issuedAt.getUTCFullYear();
        const creditCounter = await client.query<{ last_value: number }>(
          `INSERT INTO credit_note_counters (year, last_value) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last_value = credit_note_counters.last_value + 1
           RETURNING last_value`,
          [year],
        );
        const creditNoteNumber = formatCreditNoteNumber(year, creditCounter.rows[0].last_value);
        const negated = Array.isArray(cancelled.lines)
          ? cancelled.lines.map((line: unknown) =>
              typeof line === 'object' && line !== null && 'amount' in line
                ? {
                    ...line,
                    amount: -Number(line.amount),
                    ...('unitAmount' in line ? { unitAmount: -Number(line.unitAmount) } : {}),
                  }
                : line,
            )
          : [];
        await client.query(
          `INSERT INTO credit_notes (credit_note_id, account_id, number, invoice_id,
                                     idempotency_key, currency, lines, subtotal, tax, total,
                                     reason, issued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            input.creditNoteId,
            input.accountId,
            creditNoteNumber,
            input.cancelledInvoiceId,
            input.idempotencyKey,
            cancelled.currency,
            JSON.stringify(negated),
            -Number(cancelled.subtotal),
            -Number(cancelled.tax),
            -Number(cancelled.total),
            `Cancels invoice ${cancelled.number}: billing details corrected (PAY-9)`,
            issuedAt,
          ],
        );
        await client.query(`UPDATE invoices SET status = 'credited' WHERE invoice_id = $1`, [
          input.cancelledInvoiceId,
        ]);
        const invoiceCounter = await client.query<{ last_value: number }>(
          `INSERT INTO invoice_counters (year, last_value) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last_value = invoice_counters.last_value + 1
           RETURNING last_value`,
          [year],
        );
        const invoiceNumber = formatInvoiceNumber(year, invoiceCounter.rows[0].last_value);
        const snapshot = await currentSnapshot(client, input.accountId);
        await client.query(
          `INSERT INTO invoices (invoice_id, account_id, number, currency, period_start, period_end,
                                 lines, subtotal, tax, total, status, issued_at, billing_snapshot,
                                 tax_treatment, corrects_invoice_id, payment_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'paid', $11, $12, $13, $14, $15)`,
          [
            input.correctedInvoiceId,
            input.accountId,
            invoiceNumber,
            cancelled.currency,
            cancelled.period_start,
            cancelled.period_end,
            JSON.stringify(cancelled.lines),
            cancelled.subtotal,
            cancelled.tax,
            cancelled.total,
            issuedAt,
            snapshot ? JSON.stringify(snapshot) : null,
            cancelled.tax_treatment === null ? null : JSON.stringify(cancelled.tax_treatment),
            input.cancelledInvoiceId,
            cancelled.payment_id,
          ],
        );
        await client.query('COMMIT');
        log.info({ creditNoteNumber, invoiceNumber }, 'credit note and corrected invoice issued');
        return { creditNoteNumber, invoiceNumber };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
