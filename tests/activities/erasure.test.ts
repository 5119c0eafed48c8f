/**
 * CAN-3 / INACT-2 against the real Postgres: after an erasure no row in any table holds the
 * owner's name or email (coupon redemption requests included), except what an issued invoice
 * must show of its customer (its billing snapshot, never the email); invoices and payments stay,
 * and the erasure is recorded. GDPR-4: 5 years later the rest of what is held goes too.
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { BillingActivities } from '../../activities/contract';
import { invoiceSnapshotFields } from '../../activities/invoicing';
import { createStore } from '../../activities/store';
import { createAccount, createTestPool } from '../support/db';
import { recordConsent } from '../../api/gdpr-store';
import { createRetentionActivities } from '../../activities/retention';
import pino from 'pino';
import { activitiesFor, draftInvoice } from './support';

let pool: pg.Pool;
let activities: BillingActivities;

beforeAll(async () => {
  pool = await createTestPool();
  activities = activitiesFor({ pool });
});

afterAll(async () => {
  await pool?.end();
});

/** Every (table, column) of the public schema that can hold text: text, varchar, char, json(b). */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  const result = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public'
        AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
      ORDER BY table_name, column_name`,
  );
  return result.rows.map((row) => ({ table: row.table_name, column: row.column_name }));
}

/** Where `needle` occurs, as `table.column`, searching every text column of every table. */
async function whereFound(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column } of await textColumns()) {
    const hit = await pool.query(
      `SELECT 1 FROM "${table}" WHERE position(lower($1) IN lower("${column}"::text)) > 0 LIMIT 1`,
      [needle],
    );
    if (hit.rowCount) found.push(`${table}.${column}`);
  }
  return found;
}

describe('eraseAccount', () => {
  test('CAN-3, PAY-10: after erasure only issued invoices keep the customer fields tax law requires (no email); nothing else, coupon redemptions included, holds personal data; the erasure is recorded', async () => {
    const unique = randomUUID().slice(0, 8);
    const fullName = `Erika Trynimaitė ${unique}`;
    const email = `erika.${unique}@example.test`;
    const { accountId } = await createAccount(pool, { fullName, email, language: 'lt' });
    const store = createStore(pool);
    await store.saveCustomer(accountId, `cus_${unique}`);
    await pool.query('INSERT INTO api_owner_keys (key_sha256, account_id) VALUES ($1, $2)', [
      unique.padEnd(64, '0'),
      accountId,
    ]);
    await pool.query(
      `INSERT INTO billing_details (account_id, full_name, email, company, street, city, postcode,
                                    country, company_code, vat_id)
       VALUES ($1, $2, $3, $4, $5, 'Vilnius', 'LT-01100', 'LT', '304567890', 'LT100012345678')`,
      [accountId, fullName, email, `Trynimo UAB ${unique}`, `Gedimino pr. ${unique}`],
    );
    await pool.query('INSERT INTO account_slugs (slug, account_id) VALUES ($1, $2)', [
      `trynimo-uab-${unique}`,
      accountId,
    ]);
    await activities.snapshotBillingDetails({ accountId, invoiceId: `${accountId}-0001` });
    // The coupon redemption that opened the account (linked to it), and a refused second
    // attempt with the same code by the same person (never linked): both hold the person.
    const codeHash = createHash('sha256').update(`ERASE-${unique}`).digest('hex');
    await pool.query(
      `INSERT INTO coupon_campaigns (campaign_id, plan_id, currency, included_seats,
                                     one_time_price, extra_seat_price, redeem_by)
       VALUES ($1, 'all-inclusive', 'USD', 2, 5900, 3900, '2019-11-30T23:59:59Z')`,
      [`erase-${unique}`],
    );
    await pool.query(
      `INSERT INTO coupon_codes (code_hash, campaign_id, redeemed_account_id, redeemed_at)
       VALUES ($1, $2, $3, now())`,
      [codeHash, `erase-${unique}`, accountId],
    );
    await pool.query(
      `INSERT INTO coupon_redemption_requests
         (request_id, code_hash, full_name, email, company, owner_key_sha256, account_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $2, $3, $4, $5, $6, NULL)`,
      [
        `redeem-${unique}`,
        codeHash,
        fullName,
        email,
        `Trynimo UAB ${unique}`,
        'a'.repeat(64),
        accountId,
        `redeem-again-${unique}`,
      ],
    );
    await activities.recordPaidInvoice({
      invoice: draftInvoice(accountId, `${accountId}-0001`),
      paymentId: `pi_${unique}`,
      idempotencyKey: `${accountId}-0001:charge:1`,
      paidAt: Date.UTC(2026, 2, 14, 9, 31),
    });
    // The test is only meaningful if the data was there and the search finds it.
    expect(await whereFound(email)).toEqual([
      'account_contacts.email',
      'billing_details.email',
      'coupon_redemption_requests.email',
    ]);
    expect(await whereFound(fullName)).toEqual([
      'account_contacts.full_name',
      'billing_details.full_name',
      'coupon_redemption_requests.full_name',
      'invoice_billing_snapshots.snapshot',
      'invoices.billing_snapshot',
    ]);
    expect(await whereFound(`Gedimino pr. ${unique}`)).toEqual([
      'billing_details.street',
      'invoice_billing_snapshots.snapshot',
      'invoices.billing_snapshot',
    ]);
    expect(await whereFound(`Trynimo UAB ${unique}`)).toEqual([
      'billing_details.company',
      'coupon_redemption_requests.company',
      'invoice_billing_snapshots.snapshot',
      'invoices.billing_snapshot',
    ]);

    const erasedAt = Date.UTC(2026, 5, 1, 12);
    const record = await activities.eraseAccount({
      accountId,
      reason: 'cancelled',
      idempotencyKey: `${accountId}:erase`,
      erasedAt,
    });

    // Only the issued invoice's snapshot keeps the customer, as tax law requires it to.
    expect(await whereFound(email)).toEqual([]);
    expect(await whereFound(fullName)).toEqual(['invoices.billing_snapshot']);
    expect(await whereFound(`cus_${unique}`)).toEqual([]);
    expect(await whereFound(`Gedimino pr. ${unique}`)).toEqual(['invoices.billing_snapshot']);
    expect(await whereFound(`Trynimo UAB ${unique}`)).toEqual(['invoices.billing_snapshot']);
    expect(await whereFound(`trynimo-uab-${unique}`)).toEqual([]);
    const kept = await pool.query<{ billing_snapshot: Record<string, unknown> }>(
      'SELECT billing_snapshot FROM invoices WHERE account_id = $1',
      [accountId],
    );
    expect(kept.rows[0].billing_snapshot).toEqual({
      fullName,
      company: `Trynimo UAB ${unique}`,
      street: `Gedimino pr. ${unique}`,
      city: 'Vilnius',
      postcode: 'LT-01100',
      state: null,
      country: 'LT',
      companyCode: '304567890',
      tradeRegisterNumber: null,
      taxCode: null,
      vatId: 'LT100012345678',
    });
    expect(Object.keys(kept.rows[0].billing_snapshot).sort()).toEqual(
      [...invoiceSnapshotFields].sort(),
    );
    expect(record).toEqual({
      erasedAt,
      erased: {
        coupon_redemption_requests: 2,
        account_contacts: 1,
        billing_details: 1,
        invoice_billing_snapshots: 1,
        account_slugs: 1,
        processor_customers: 1,
        api_owner_keys: 1,
      },
    });
    // Issued invoices and their payments are the legal billing record: kept, with no email
    // (checked above across every table).
    const invoices = await pool.query('SELECT 1 FROM invoices WHERE account_id = $1', [accountId]);
    expect(invoices.rowCount).toBe(1);
    const audit = await pool.query<{ kind: string; detail: unknown; occurred_at: Date }>(
      'SELECT kind, detail, occurred_at FROM audit_events WHERE account_id = $1',
      [accountId],
    );
    expect(audit.rows).toEqual([
      {
        kind: 'account_erased',
        detail: { reason: 'cancelled', erased: record.erased },
        occurred_at: new Date(erasedAt),
      },
    ]);
  });

  test('CAN-3: a retried erasure changes nothing and returns the first record', async () => {
    const { accountId } = await createAccount(pool);
    const input = {
      accountId,
      reason: 'inactivity' as const,
      idempotencyKey: `${accountId}:erase`,
      erasedAt: Date.UTC(2026, 5, 1, 12),
    };
    const [first, second] = await Promise.all([
      activities.eraseAccount(input),
      activities.eraseAccount({ ...input, erasedAt: input.erasedAt + 60_000 }),
    ]);
    const third = await activities.eraseAccount({ ...input, erasedAt: input.erasedAt + 120_000 });
    // Racing attempts and a later retry all see the one erasure that happened.
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect([input.erasedAt, input.erasedAt + 60_000]).toContain(first.erasedAt);
    expect(first.erased).toEqual({
      coupon_redemption_requests: 0,
      account_contacts: 1,
      billing_details: 0,
      invoice_billing_snapshots: 0,
      account_slugs: 0,
      processor_customers: 0,
      api_owner_keys: 0,
    });
    const audit = await pool.query('SELECT 1 FROM audit_events WHERE account_id = $1', [accountId]);
    expect(audit.rowCount).toBe(1);
  });
});

describe('purgeRetainedData', () => {
  test('GDPR-4: the purge erases what the erasure kept (consents, requests, email metadata), never invoices, and is recorded once', async () => {
    const { accountId } = await createAccount(pool);
    await recordConsent(pool, accountId, true, 'signup_form');
    await recordConsent(pool, accountId, false, 'objection');
    await pool.query(
      `INSERT INTO gdpr_requests (request_id, account_id, kind, requested_by, completed_at, outcome)
       VALUES ($1, $2, 'restriction', 'support', now(), 'completed')`,
      [`gdpr_${accountId}`, accountId],
    );
    await pool.query(
      `INSERT INTO processing_restrictions (account_id, restricted_at, gdpr_request_id)
       VALUES ($1, now(), $2)`,
      [accountId, `gdpr_${accountId}`],
    );
    await pool.query(
      `INSERT INTO email_outbox (idempotency_key, account_id, template, message_id, sent_at)
       VALUES ($1, $2, 'receipt', '<m@billing.example>', now())`,
      [`${accountId}:email:receipt`, accountId],
    );
    await activities.recordPaidInvoice({
      invoice: draftInvoice(accountId, `${accountId}-0001`),
      paymentId: `pi_${accountId}`,
      idempotencyKey: `${accountId}-0001:charge:1`,
      paidAt: Date.UTC(2026, 2, 14, 9, 31),
    });
    await activities.eraseAccount({
      accountId,
      reason: 'cancelled',
      idempotencyKey: `${accountId}:erase`,
      erasedAt: Date.UTC(2026, 5, 1, 12),
    });
    // What CAN-3 keeps, GDPR-4 purges later.
    const kept = await pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM marketing_consent_events WHERE account_id = $1)
            + (SELECT count(*) FROM gdpr_requests WHERE account_id = $1)
            + (SELECT count(*) FROM email_outbox WHERE account_id = $1) AS n`,
      [accountId],
    );
    expect(Number(kept.rows[0]?.n)).toBe(4);

    const { purgeRetainedData } = createRetentionActivities({
      pool,
      logger: pino({ level: 'silent' }),
    });
    const input = {
      accountId,
      reason: 'cancelled' as const,
      endedAt: Date.UTC(2026, 4, 2, 12),
      purgedAt: Date.UTC(2031, 4, 2, 12),
      idempotencyKey: `${accountId}:retention-purge`,
    };
    const record = await purgeRetainedData(input);
    expect(record).toEqual({
      purgedAt: input.purgedAt,
      purged: {
        coupon_redemption_requests: 0,
        account_contacts: 0,
        billing_details: 0,
        invoice_billing_snapshots: 0,
        account_slugs: 0,
        processor_customers: 0,
        api_owner_keys: 0,
        marketing_consent_events: 2,
        marketing_consents: 1,
        processing_restrictions: 1,
        gdpr_requests: 1,
        email_outbox: 1,
      },
    });
    // A retry changes nothing and returns the first record.
    expect(await purgeRetainedData({ ...input, purgedAt: input.purgedAt + 60_000 })).toEqual(
      record,
    );
    // Only the legal billing record and the audit trail still name the account.
    const tables = new Set((await whereFound(accountId)).map((found) => found.split('.')[0]));
    expect([...tables].sort()).toEqual(['accounts', 'audit_events', 'invoices', 'payments']);
    const audit = await pool.query<{ kind: string }>(
      'SELECT kind FROM audit_events WHERE account_id = $1 ORDER BY occurred_at',
      [accountId],
    );
    expect(audit.rows.map((row) => row.kind)).toEqual(['account_erased', 'retention_purged']);
  });
});
