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
      const client = await deps.pool.connect();
      try {
        await client.query('BEGIN');
        // One erasure per key, even when two attempts race: the second waits on the lock.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [idempotencyKey]);
        const done = await client.query<{
          detail: { erased: Record<string, number> };
          occurred_at: Date;
        }>('SELECT detail, occurred_at FROM audit_events WHERE idempotency_key = $1', [
          idempotencyKey,
        ]);
        const previous = done.rows[0];
        if (previous) {
          await client.query('COMMIT');
          log.info('account already erased');
          return { erasedAt: previous.occurred_at.getTime(), erased: previous.detail.erased };
        }
        const erased: Record<string, number> = {};
        for (const table of erasedTables) {
          const result = await client.query(erasureStatement(table), [accountId]);
          erased[table] = result.rowCount ?? 0;
        }
        await client.query(
          `INSERT INTO audit_events (account_id, kind, detail, idempotency_key, occurred_at)
           VALUES ($1, 'account_erased', $2, $3, $4)`,
          [accountId, JSON.stringify({ reason, erased }), idempotencyKey, new Date(erasedAt)],
        );
        await client.query('COMMIT');
        log.info({ reason, erased }, 'account erased');
        const record: ErasureRecord = { erasedAt, erased };
        return record;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
