/**
 * The Postgres side of the activities against a real database: gap-free invoice numbering
 * under concurrency, idempotent recording, the versioned read model, and the outbox.
 */
import type pg from 'pg';
import { AccountRowMissingError, createStore, type Store } from '../../activities/store';
import type { BillingActivities } from '../../activities/contract';
import type { AccountView } from '../../workflows/policy/account';
import { createAccount, createTestPool, uniqueId } from '../support/db';
import { activitiesFor, draftInvoice } from './support';

let pool: pg.Pool;
let store: Store;
let activities: BillingActivities;

beforeAll(async () => {
  pool = await createTestPool();
  store = createStore(pool);
  activities = activitiesFor({ pool });
});

afterAll(async () => {
  await pool?.end();
});

/**
 * A calendar year that only this test uses, emptied first: numbering is per issue year, and
 * years far in the future keep these tests apart from every other suite sharing the database.
 */
async function freshYear(year: number): Promise<number> {
  const like = `${year}-%`;
  await pool.query(
    'DELETE FROM payments WHERE invoice_id IN (SELECT invoice_id FROM invoices WHERE number LIKE $1)',
    [like],
  );
  await pool.query('DELETE FROM invoices WHERE number LIKE $1', [like]);
  await pool.query('DELETE FROM invoice_counters WHERE year = $1', [year]);
  return year;
}

function paidIn(year: number, day = 1): number {
  return Date.UTC(year, 0, day, 12);
}

async function counterOf(year: number): Promise<number | null> {
  const result = await pool.query<{ last_value: number }>(
    'SELECT last_value FROM invoice_counters WHERE year = $1',
    [year],
  );
  return result.rows[0]?.last_value ?? null;
}

describe('recordPaidInvoice', () => {
  test('PAY-1d: 20 concurrent paid invoices take the numbers 1..20 of their year, no gaps, no repeats', async () => {
    const year = await freshYear(2901);
    const { accountId } = await createAccount(pool);
    const ids = Array.from(
      { length: 20 },
      (_, i) => `${accountId}-${String(i + 1).padStart(4, '0')}`,
    );

    const results = await Promise.all(
      ids.map((invoiceId, i) =>
        activities.recordPaidInvoice({
          invoice: draftInvoice(accountId, invoiceId),
          paymentId: `pi_${i}`,
          idempotencyKey: `${invoiceId}:charge:1`,
          paidAt: paidIn(year),
        }),
      ),
    );

    const expected = Array.from({ length: 20 }, (_, i) => `2901-${String(i + 1).padStart(6, '0')}`);
    expect(results.map((r) => r.number).sort()).toEqual(expected);
    expect(await counterOf(year)).toBe(20);
    const stored = await pool.query<{ number: string }>(
      'SELECT number FROM invoices WHERE account_id = $1 ORDER BY number',
      [accountId],
    );
    expect(stored.rows.map((row) => row.number)).toEqual(expected);
  });

  test('PAY-1d: 10 concurrent records of the same invoice store one invoice and one payment under one number', async () => {
    const year = await freshYear(2902);
    const { accountId } = await createAccount(pool);
    const invoice = draftInvoice(accountId, `${accountId}-0001`);

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        activities.recordPaidInvoice({
          invoice,
          paymentId: 'pi_same',
          idempotencyKey: `${invoice.invoiceId}:charge:1`,
          paidAt: paidIn(year),
        }),
      ),
    );

    expect(new Set(results.map((r) => r.number))).toEqual(new Set(['2902-000001']));
    expect(await counterOf(year)).toBe(1);
    const invoices = await pool.query('SELECT 1 FROM invoices WHERE invoice_id = $1', [
      invoice.invoiceId,
    ]);
    const payments = await pool.query('SELECT 1 FROM payments WHERE invoice_id = $1', [
      invoice.invoiceId,
    ]);
    expect(invoices.rowCount).toBe(1);
    expect(payments.rowCount).toBe(1);

    // The next invoice continues the sequence: the racing duplicates took no numbers.
    const next = await activities.recordPaidInvoice({
      invoice: draftInvoice(accountId, `${accountId}-0002`),
      paymentId: 'pi_next',
      idempotencyKey: `${accountId}-0002:charge:1`,
      paidAt: paidIn(year),
    });
    expect(next.number).toBe('2902-000002');
  });

  test('recording an invoice again returns its first number and changes nothing', async () => {
    const year = await freshYear(2903);
    const { accountId } = await createAccount(pool);
    const invoice = draftInvoice(accountId, `${accountId}-0001`, { total: 5800 });
    const first = await activities.recordPaidInvoice({
      invoice,
      paymentId: 'pi_first',
      idempotencyKey: `${invoice.invoiceId}:charge:1`,
      paidAt: paidIn(year, 3),
    });
    const again = await activities.recordPaidInvoice({
      invoice,
      paymentId: 'pi_second',
      idempotencyKey: `${invoice.invoiceId}:charge:2`,
      paidAt: paidIn(year, 9),
    });

    expect(first).toEqual({ number: '2903-000001' });
    expect(again).toEqual({ number: '2903-000001' });
    expect(await counterOf(year)).toBe(1);
    const payment = await pool.query<{
      processor_payment_id: string;
      idempotency_key: string;
      amount: string;
    }>('SELECT processor_payment_id, idempotency_key, amount FROM payments WHERE invoice_id = $1', [
      invoice.invoiceId,
    ]);
    expect(payment.rows).toEqual([
      {
        processor_payment_id: 'pi_first',
        idempotency_key: `${invoice.invoiceId}:charge:1`,
        amount: '5800',
      },
    ]);
  });

  test('a record that fails gives its number back: the sequence stays gap-free', async () => {
    const year = await freshYear(2904);
    const { accountId } = await createAccount(pool);
    // No such account: the invoice insert violates its foreign key after the counter moved.
    const orphan = draftInvoice('acct-that-does-not-exist', uniqueId('inv'));
    await expect(
      activities.recordPaidInvoice({
        invoice: orphan,
        paymentId: 'pi_orphan',
        idempotencyKey: `${orphan.invoiceId}:charge:1`,
        paidAt: paidIn(year),
      }),
    ).rejects.toThrow(/foreign key/);

    const next = await activities.recordPaidInvoice({
      invoice: draftInvoice(accountId, `${accountId}-0001`),
      paymentId: 'pi_ok',
      idempotencyKey: `${accountId}-0001:charge:1`,
      paidAt: paidIn(year),
    });
    expect(next.number).toBe('2904-000001');
  });

  test('numbers restart at 000001 in each issue year (UTC)', async () => {
    const first = await freshYear(2905);
    const second = await freshYear(2906);
    const { accountId } = await createAccount(pool);
    const record = (n: number, paidAt: number) =>
      activities.recordPaidInvoice({
        invoice: draftInvoice(accountId, `${accountId}-000${n}`),
        paymentId: `pi_${n}`,
        idempotencyKey: `${accountId}-000${n}:charge:1`,
        paidAt,
      });

    expect(await record(1, Date.UTC(first, 11, 31, 23, 59, 59))).toEqual({ number: '2905-000001' });
    expect(await record(2, Date.UTC(second, 0, 1, 0, 0, 0))).toEqual({ number: '2906-000001' });
    expect(await record(3, Date.UTC(first, 5, 1))).toEqual({ number: '2905-000002' });
  });

  test('the stored invoice reads back with its number, lines and amounts', async () => {
    const year = await freshYear(2907);
    const { accountId } = await createAccount(pool);
    const draft = draftInvoice(accountId, `${accountId}-0001`, { total: 3400, currency: 'EUR' });
    const paidAt = paidIn(year, 14);
    await activities.recordPaidInvoice({
      invoice: draft,
      paymentId: 'pi_eur',
      idempotencyKey: `${draft.invoiceId}:charge:1`,
      paidAt,
    });

    expect(await store.invoice(draft.invoiceId)).toEqual({
      invoiceId: draft.invoiceId,
      accountId,
      number: '2907-000001',
      currency: 'EUR',
      periodStart: draft.periodStart,
      periodEnd: draft.periodEnd,
      lines: draft.lines,
      subtotal: 3400,
      tax: 0,
      total: 3400,
      issuedAt: paidAt,
    });
    expect(await store.invoice('no-such-invoice')).toBeNull();
  });
});

describe('publishAccount', () => {
  function view(accountId: string, seats: number): AccountView {
    return {
      accountId,
      status: 'active',
      suspensionReason: null,
      planId: 'business',
      planName: 'Business',
      seats,
      cycle: 'annual',
      periodPrice: { amount: 27600 * seats, currency: 'USD' },
      trialEndsAt: null,
      currentPeriod: { start: '2026-03-14T09:30:00.000Z', end: '2027-03-14T09:30:00.000Z' },
      nextDeadline: null,
      hasPaymentMethod: true,
      pendingCancellationAt: null,
      cancelledAt: null,
      pendingChange: null,
      seatsInUse: 0,
      paymentFailedAt: null,
      enterpriseReview: null,
      sharedLoginSurchargePending: false,
      lastActivityAt: '2026-03-14T09:30:00.000Z',
      deletionDueAt: '2026-05-09T09:30:00.000Z',
      erasedAt: null,
      opsNotice: null,
      opsSuspension: null,
      termination: null,
    };
  }

  async function row(accountId: string) {
    const result = await pool.query<{
      status: string;
      plan_id: string;
      seats: number;
      cycle: string;
      state_version: number;
      view: AccountView;
    }>(
      'SELECT status, plan_id, seats, cycle, state_version, view FROM accounts WHERE account_id = $1',
      [accountId],
    );
    return result.rows[0];
  }

  test('a newer version updates the read model; an older or equal one never overwrites it', async () => {
    const { accountId } = await createAccount(pool);

    await activities.publishAccount({ view: view(accountId, 5), version: 5 });
    expect(await row(accountId)).toMatchObject({
      status: 'active',
      plan_id: 'business',
      seats: 5,
      cycle: 'annual',
      state_version: 5,
      view: view(accountId, 5),
    });

    await activities.publishAccount({ view: view(accountId, 3), version: 3 });
    await activities.publishAccount({ view: view(accountId, 4), version: 5 });
    expect(await row(accountId)).toMatchObject({ seats: 5, state_version: 5 });

    await activities.publishAccount({ view: view(accountId, 6), version: 6 });
    expect(await row(accountId)).toMatchObject({ seats: 6, state_version: 6 });
  });

  test('publishes racing in any order leave the newest version', async () => {
    const { accountId } = await createAccount(pool);
    const versions = [7, 2, 10, 1, 9, 4, 3, 8, 6, 5];
    await Promise.all(
      versions.map((version) =>
        activities.publishAccount({ view: view(accountId, version), version }),
      ),
    );
    expect(await row(accountId)).toMatchObject({ seats: 10, state_version: 10 });
  });

  test('an account without its row fails retryably instead of being dropped', async () => {
    await expect(
      activities.publishAccount({ view: view('acct-not-signed-up', 1), version: 1 }),
    ).rejects.toBeInstanceOf(AccountRowMissingError);
  });
});

describe('customers, contacts and the outbox', () => {
  test('PAY-8: the processor customer stored first is kept', async () => {
    const { accountId } = await createAccount(pool);
    expect(await store.customerFor(accountId)).toBeNull();
    expect(await store.saveCustomer(accountId, `cus_${accountId}_a`)).toBe(`cus_${accountId}_a`);
    expect(await store.saveCustomer(accountId, `cus_${accountId}_b`)).toBe(`cus_${accountId}_a`);
    expect(await store.customerFor(accountId)).toBe(`cus_${accountId}_a`);
  });

  test('contactFor reads the owner from account_contacts', async () => {
    const account = await createAccount(pool, { language: 'lt', fullName: 'Jonas Jonaitis' });
    expect(await store.contactFor(account.accountId)).toEqual({
      email: account.email,
      fullName: 'Jonas Jonaitis',
      language: 'lt',
    });
    const bare = await createAccount(pool, { withContact: false });
    expect(await store.contactFor(bare.accountId)).toBeNull();
  });

  test('an outbox key is claimed once and stays sent', async () => {
    const { accountId } = await createAccount(pool);
    const key = `${accountId}:email:stopped`;
    const claim = () =>
      store.claimEmail({
        idempotencyKey: key,
        accountId,
        template: 'account_stopped',
        messageId: `<${key}@test>`,
      });

    expect(await claim()).toEqual({ messageId: `<${key}@test>`, sentAt: null });
    expect(await claim()).toEqual({ messageId: `<${key}@test>`, sentAt: null });
    await store.markEmailSent(key);
    const sent = await claim();
    expect(sent.messageId).toBe(`<${key}@test>`);
    expect(sent.sentAt).toEqual(expect.any(Number));
    await store.markEmailSent(key);
    expect((await claim()).sentAt).toBe(sent.sentAt);
  });
});
