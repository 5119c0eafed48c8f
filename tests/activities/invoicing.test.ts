/**
 * Billing details on invoices (PAY-10) and corrections (PAY-9) against the real Postgres:
 * snapshots (first wins), what an invoice keeps of its customer, credit notes with their own
 * gap-free numbering, and corrected invoices paid by the same payment.
 */
import nodemailer from 'nodemailer';
import type pg from 'pg';
import type { BillingActivities } from '../../activities/contract';
import { invoiceSnapshotFields } from '../../activities/invoicing';
import { applyTax, REVERSE_CHARGE_NOTE } from '../../workflows/policy/vat';
import { createAccount, createTestPool } from '../support/db';
import { activitiesFor, draftInvoice } from './support';

let pool: pg.Pool;
let activities: BillingActivities;

beforeAll(async () => {
  pool = await createTestPool();
  activities = activitiesFor({ pool, sellerCountry: 'LT' });
});

afterAll(async () => {
  await pool?.end();
});

/** A calendar year only this file uses, emptied of credit notes and invoices first. */
async function freshYear(year: number): Promise<number> {
  const like = `${year}-%`;
  await pool.query('DELETE FROM credit_notes WHERE number LIKE $1', [`CN-${like}`]);
  await pool.query(
    'DELETE FROM payments WHERE invoice_id IN (SELECT invoice_id FROM invoices WHERE number LIKE $1)',
    [like],
  );
  await pool.query('DELETE FROM invoices WHERE number LIKE $1', [like]);
  await pool.query('DELETE FROM invoice_counters WHERE year = $1', [year]);
  await pool.query('DELETE FROM credit_note_counters WHERE year = $1', [year]);
  return year;
}

async function setDetails(
  accountId: string,
  details: { country: string; vatId?: string | null; company?: string; email?: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO billing_details (account_id, full_name, email, company, street, city, postcode,
                                  country, vat_id)
     VALUES ($1, 'Greta Muster', $2, $3, 'Hauptstr. 1', 'Berlin', '10115', $4, $5)
     ON CONFLICT (account_id) DO UPDATE SET company = EXCLUDED.company, country = EXCLUDED.country,
       vat_id = EXCLUDED.vat_id, email = EXCLUDED.email`,
    [
      accountId,
      details.email ?? 'greta@example.test',
      details.company ?? 'Muster GmbH',
      details.country,
      details.vatId ?? null,
    ],
  );
}

/** Snapshots, taxes, charges (implicitly) and records an invoice as the workflow does. */
async function issue(accountId: string, sequence: number, paidAt: number) {
  const invoiceId = `${accountId}-000${sequence}`;
  const treatment = await activities.snapshotBillingDetails({ accountId, invoiceId });
  const invoice = applyTax(draftInvoice(accountId, invoiceId, { currency: 'EUR' }), treatment);
  const { number } = await activities.recordPaidInvoice({
    invoice,
    paymentId: `pi_${invoiceId}`,
    idempotencyKey: `${invoiceId}:charge:1`,
    paidAt,
  });
  return { invoiceId, invoice, number };
}

interface InvoiceRow {
  invoice_id: string;
  number: string;
  subtotal: string;
  tax: string;
  total: string;
  status: string;
  lines: unknown;
  billing_snapshot: Record<string, unknown> | null;
  tax_treatment: Record<string, unknown> | null;
  corrects_invoice_id: string | null;
  payment_id: string | null;
}

async function invoiceRows(accountId: string): Promise<InvoiceRow[]> {
  const found = await pool.query<InvoiceRow>(
    `SELECT invoice_id, number, subtotal, tax, total, status, lines, billing_snapshot,
            tax_treatment, corrects_invoice_id, payment_id
       FROM invoices WHERE account_id = $1 ORDER BY number`,
    [accountId],
  );
  return found.rows;
}

describe('snapshotBillingDetails', () => {
  test('PAY-10: a VAT id set after an invoice changes nothing on it and applies from the next one', async () => {
    const year = await freshYear(2931);
    const { accountId } = await createAccount(pool);
    await setDetails(accountId, { country: 'DE' });
    const first = await issue(accountId, 1, Date.UTC(year, 0, 10));
    expect(first.invoice).toMatchObject({ subtotal: 3800, tax: 722, total: 4522 });

    await setDetails(accountId, { country: 'DE', vatId: 'DE 123 456 789' });
    // A retried snapshot of the first invoice keeps its first treatment (first snapshot wins).
    expect(
      await activities.snapshotBillingDetails({ accountId, invoiceId: first.invoiceId }),
    ).toEqual({ treatment: 'eu_consumer', country: 'DE', rateBasisPoints: 1900 });
    const second = await issue(accountId, 2, Date.UTC(year, 1, 10));
    expect(second.invoice).toMatchObject({ subtotal: 3800, tax: 0, total: 3800 });

    const [one, two] = await invoiceRows(accountId);
    // The first invoice: as issued, with VAT, no VAT id, never recalculated.
    expect(one).toMatchObject({ subtotal: '3800', tax: '722', total: '4522', status: 'paid' });
    expect(one.billing_snapshot).toMatchObject({ country: 'DE', vatId: null });
    expect(one.tax_treatment).toEqual({
      treatment: 'eu_consumer',
      country: 'DE',
      rateBasisPoints: 1900,
    });
    // The next one carries the id and the reverse charge with its legal note.
    expect(two).toMatchObject({ subtotal: '3800', tax: '0', total: '3800' });
    expect(two.billing_snapshot).toMatchObject({ country: 'DE', vatId: 'DE 123 456 789' });
    expect(two.tax_treatment).toEqual({
      treatment: 'reverse_charge',
      country: 'DE',
      rateBasisPoints: 0,
      note: REVERSE_CHARGE_NOTE,
    });
    const payments = await pool.query<{ amount: string }>(
      'SELECT amount FROM payments JOIN invoices USING (invoice_id) WHERE account_id = $1 ORDER BY amount',
      [accountId],
    );
    expect(payments.rows).toEqual([{ amount: '3800' }, { amount: '4522' }]);
  });

  test('PAY-10: the invoice snapshot holds exactly the fields an invoice needs, never the email', async () => {
    await freshYear(2932);
    const { accountId } = await createAccount(pool);
    await setDetails(accountId, { country: 'LT', email: 'owner.secret@example.test' });
    const issued = await issue(accountId, 1, Date.UTC(2932, 0, 10));
    // Domestic: the seller country's rate, 21 % in Lithuania.
    expect(issued.invoice).toMatchObject({ tax: 798, total: 4598 });
    const [row] = await invoiceRows(accountId);
    expect(Object.keys(row.billing_snapshot!).sort()).toEqual([...invoiceSnapshotFields].sort());
    expect(JSON.stringify(row)).not.toContain('owner.secret@example.test');
  });

  test('PAY-10: with no billing details on file the invoice has no snapshot and no VAT', async () => {
    await freshYear(2933);
    const { accountId } = await createAccount(pool);
    const issued = await issue(accountId, 1, Date.UTC(2933, 0, 10));
    expect(issued.invoice).toMatchObject({ tax: 0, total: 3800 });
    const [row] = await invoiceRows(accountId);
    expect(row.billing_snapshot).toBeNull();
    expect(row.tax_treatment).toEqual({
      treatment: 'no_details',
      country: null,
      rateBasisPoints: 0,
    });
  });
});

describe('issueCorrection', () => {
  test('PAY-9: a credit note (own gap-free numbers) cancels the invoice; the corrected invoice has the same amounts, new details and the same payment', async () => {
    const year = await freshYear(2934);
    const { accountId } = await createAccount(pool);
    await setDetails(accountId, { country: 'DE', company: 'Alt GmbH' });
    const first = await issue(accountId, 1, Date.UTC(year, 0, 10));
    await setDetails(accountId, { country: 'DE', company: 'Neu GmbH' });

    const input = {
      accountId,
      cancelledInvoiceId: first.invoiceId,
      creditNoteId: `${accountId}-CN0001`,
      correctedInvoiceId: `${accountId}-0002`,
      idempotencyKey: `${accountId}-CN0001:correction`,
      issuedAt: Date.UTC(year, 0, 24),
    };
    // Racing attempts and a later retry issue one credit note and one corrected invoice.
    const [a, b] = await Promise.all([
      activities.issueCorrection(input),
      activities.issueCorrection(input),
    ]);
    const c = await activities.issueCorrection({ ...input, issuedAt: input.issuedAt + 1000 });
    expect(a).toEqual({ creditNoteNumber: `CN-${year}-000001`, invoiceNumber: `${year}-000002` });
    expect(b).toEqual(a);
    expect(c).toEqual(a);

    const [original, corrected] = await invoiceRows(accountId);
    expect(original).toMatchObject({ number: `${year}-000001`, status: 'credited' });
    expect(original.billing_snapshot).toMatchObject({ company: 'Alt GmbH' });
    expect(corrected).toMatchObject({
      invoice_id: `${accountId}-0002`,
      number: `${year}-000002`,
      status: 'paid',
      subtotal: original.subtotal,
      tax: original.tax,
      total: original.total,
      lines: original.lines,
      tax_treatment: original.tax_treatment,
      corrects_invoice_id: first.invoiceId,
      payment_id: original.payment_id,
    });
    expect(original.payment_id).toBe(`payment:${first.invoiceId}`);
    expect(corrected.billing_snapshot).toMatchObject({ company: 'Neu GmbH' });

    const notes = await pool.query<{
      number: string;
      invoice_id: string;
      subtotal: string;
      tax: string;
      total: string;
      lines: { amount: number }[];
    }>(
      'SELECT number, invoice_id, subtotal, tax, total, lines FROM credit_notes WHERE account_id = $1',
      [accountId],
    );
    expect(notes.rows).toEqual([
      {
        number: `CN-${year}-000001`,
        invoice_id: first.invoiceId,
        subtotal: '-3800',
        tax: '-722',
        total: '-4522',
        lines: [expect.objectContaining({ amount: -3800 })],
      },
    ]);
    // No second payment: the corrected invoice is paid by the first one.
    const payments = await pool.query(
      'SELECT 1 FROM payments JOIN invoices USING (invoice_id) WHERE account_id = $1',
      [accountId],
    );
    expect(payments.rowCount).toBe(1);
  });

  test('PAY-9: the owner is emailed the corrected invoice, naming the invoice it replaces', async () => {
    const year = await freshYear(2936);
    const { accountId } = await createAccount(pool, { fullName: 'Greta Muster' });
    await setDetails(accountId, { country: 'DE' });
    const first = await issue(accountId, 1, Date.UTC(year, 0, 10));
    await activities.issueCorrection({
      accountId,
      cancelledInvoiceId: first.invoiceId,
      creditNoteId: `${accountId}-CN0001`,
      correctedInvoiceId: `${accountId}-0002`,
      idempotencyKey: `${accountId}-CN0001:correction`,
      issuedAt: Date.UTC(year, 0, 20),
    });
    const mailer = nodemailer.createTransport({ jsonTransport: true });
    const sent = jest.spyOn(mailer, 'sendMail');
    await activitiesFor({ pool, mailer }).sendEmail({
      accountId,
      template: 'invoice_corrected',
      invoiceId: `${accountId}-0002`,
      idempotencyKey: `${accountId}:email:${accountId}-0002:corrected`,
    });
    expect(sent).toHaveBeenCalledTimes(1);
    const message = sent.mock.calls[0][0];
    expect(message.subject).toBe(`Corrected invoice ${year}-000002`);
    const text = typeof message.text === 'string' ? message.text : '';
    expect(text).toContain(`a credit note cancels invoice ${year}-000001`);
    expect(text).toContain('VAT 19% (DE): 7.22 EUR');
    expect(text).toContain('Total paid: 45.22 EUR');
  });

  test('PAY-9: credit notes of one year are numbered 1..n without gaps under concurrency', async () => {
    const year = await freshYear(2935);
    const accounts = await Promise.all(Array.from({ length: 6 }, () => createAccount(pool)));
    const issued = [];
    for (const [index, { accountId }] of accounts.entries()) {
      issued.push(await issue(accountId, 1, Date.UTC(year, 0, 1 + index)));
    }
    const results = await Promise.all(
      issued.map(({ invoiceId, invoice }) =>
        activities.issueCorrection({
          accountId: invoice.accountId,
          cancelledInvoiceId: invoiceId,
          creditNoteId: `${invoice.accountId}-CN0001`,
          correctedInvoiceId: `${invoice.accountId}-0002`,
          idempotencyKey: `${invoice.accountId}-CN0001:correction`,
          issuedAt: Date.UTC(year, 0, 12),
        }),
      ),
    );
    expect(results.map((result) => result.creditNoteNumber).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `CN-${year}-00000${n}`),
    );
    // Corrected invoices continue the invoice sequence: 7..12 after the six originals.
    expect(results.map((result) => result.invoiceNumber).sort()).toEqual(
      [7, 8, 9, 10, 11, 12].map((n) => `${year}-${String(n).padStart(6, '0')}`),
    );
  });
});
