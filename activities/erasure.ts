/**
 * CAN-3 / INACT-2: the irreversible erasure of what this platform holds on an account, and
 * its audit record. Issued invoices, credit notes and payments are the legal billing record and
 * stay (GDPR-4); of the customer an invoice keeps only what tax law requires it to show (its
 * billing snapshot: name, company, address, country, registration codes, VAT id; no email).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { BillingActivities, ErasureRecord } from './contract';
import { activityLogger } from './log';

/**
 * Every table holding personal data or content of an account, keyed by `account_id`, in the
 * order they are emptied. A table added later that holds personal data must be listed here;
 * the erasure test searches every text column of every table to catch one that is not.
 */
export const erasedTables = [
  // First: unlinked requests are found by the code the account redeemed and the owner's email.
  'coupon_redemption_requests',
  'account_contacts',
  'billing_details',
  'invoice_billing_snapshots',
  'account_slugs',
  'processor_customers',
  'api_owner_keys',
] as const;

/**
 * The statement that empties `table` of the account's rows. A coupon redemption request is the
 * account's when it opened the account (`account_id`); a refused or repeated one, never linked,
 * is found by the code the account redeemed or by the owner's email, and goes too.
 */
export function erasureStatement(table: (typeof erasedTables)[number]): string {
  if (table === 'coupon_redemption_requests') {
    return `DELETE FROM coupon_redemption_requests r
             WHERE r.account_id = $1
                OR (r.account_id IS NULL
                    AND (r.code_hash IN (SELECT code_hash FROM coupon_codes
                                          WHERE redeemed_account_id = $1)
                         OR lower(r.email) IN (SELECT lower(email) FROM account_contacts
                                                WHERE account_id = $1)))`;
  }
  return `DELETE FROM ${table} WHERE account_id = $1`;
}

export function createErasureActivities(deps: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
}): Pick<BillingActivities, 'eraseAccount'> {
  return {
    async eraseAccount({ accountId, reason, idempotencyKey, erasedAt }) {
      const log = activityLogger(deps.logger, 'eraseAccount', { accountId, idempotencyKey });
      const { at, counts, repeated } = await deleteOnceAudited(deps.pool, {
        accountId,
        kind: 'account_erased',
        idempotencyKey,
        at: erasedAt,
        detail: { reason },
        countsKey: 'erased',
        deletions: erasedTables.map((table) => ({ table, statement: erasureStatement(table) })),
      });
      if (repeated) log.info('account already erased');
      else log.info({ reason, erased: counts }, 'account erased');
      const record: ErasureRecord = { erasedAt: at, erased: counts };
      return record;
    },
  };
}

/**
 * Deletes an account's rows, table by table, in one transaction at most once per idempotency
 * key, and records what was deleted (row counts per table, under `countsKey`) as the audit
 * event that proves it ran. Attempts racing on the key wait for its lock; a later attempt
 * returns the counts and time the first one recorded.
 */
export async function deleteOnceAudited(
  pool: pg.Pool,
  args: {
    readonly accountId: string;
    readonly kind: 'account_erased' | 'retention_purged';
    readonly idempotencyKey: string;
    readonly at: number;
    /** Recorded beside the counts (never personal data). */
    readonly detail: Readonly<Record<string, string>>;
    readonly countsKey: 'erased' | 'purged';
    /** One DELETE per table, each taking the account id as $1, run in this order. */
    readonly deletions: readonly { readonly table: string; readonly statement: string }[];
  },
): Promise<{ at: number; counts: Record<string, number>; repeated: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [args.idempotencyKey]);
    const done = await client.query<{
      detail: Record<string, Record<string, number> | undefined>;
      occurred_at: Date;
    }>('SELECT detail, occurred_at FROM audit_events WHERE idempotency_key = $1', [
      args.idempotencyKey,
    ]);
    const previous = done.rows[0];
    if (previous) {
      await client.query('COMMIT');
      return {
        at: previous.occurred_at.getTime(),
        counts: previous.detail[args.countsKey] ?? {},
        repeated: true,
      };
    }
    const counts: Record<string, number> = {};
    for (const { table, statement } of args.deletions) {
      const result = await client.query(statement, [args.accountId]);
      counts[table] = result.rowCount ?? 0;
    }
    await client.query(
      `INSERT INTO audit_events (account_id, kind, detail, idempotency_key, occurred_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        args.accountId,
        args.kind,
        JSON.stringify({ ...args.detail, [args.countsKey]: counts }),
        args.idempotencyKey,
        new Date(args.at),
      ],
    );
    await client.query('COMMIT');
    return { at: args.at, counts, repeated: false };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
