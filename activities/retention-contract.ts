/**
 * GDPR-4: the activity of the retention workflow, by name and shape. Workflows import this file
 * for types only; `createRetentionActivities(deps)` in `retention.ts` implements it.
 */
import type { ErasureReason } from '../workflows/policy/lifecycle';

export interface RetentionActivities {
  /**
   * GDPR-4: starts the account's retention workflow (id `retention:<accountId>`), whose durable
   * timer purges what is still held 5 years after `endedAt`. Idempotent: a timer already
   * started for the account is left as it is (`started: false`).
   */
  startRetentionTimer(input: {
    accountId: string;
    reason: ErasureReason;
    endedAt: number;
  }): Promise<{ started: boolean }>;

  /**
   * GDPR-4: erases, irreversibly, the personal data still held for an account that ended 5
   * years ago (whatever the CAN-3 erasure left or never reached: consent records, the log of
   * data-subject requests, email metadata, any contact or billing details), keeps issued
   * invoices and payments, and records what was purged and when as an audit event.
   * Idempotent by key: a retry returns the first run's record.
   */
  purgeRetainedData(input: {
    accountId: string;
    reason: ErasureReason;
    endedAt: number;
    purgedAt: number;
    idempotencyKey: string;
  }): Promise<RetentionPurgeRecord>;
}

/** The audit record of a purge: rows deleted per table, and when. */
export interface RetentionPurgeRecord {
  readonly purgedAt: number;
  readonly purged: Readonly<Record<string, number>>;
}
