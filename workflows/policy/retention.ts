/**
 * GDPR-4: how long personal data is still held once an account has ended, as policy data.
 *
 * The terms keep data "for the time of use plus 5 years after the customer stops". What the
 * CAN-3 erasure leaves (consent records, the log of data-subject requests, email metadata) is
 * erased this long after the account ended; issued invoices are never erased (tax law).
 */
import { addMonths } from './periods';

/** GDPR-4: the retention after an account ends, in calendar years (12 months each). */
export const RETENTION_YEARS = 5;

/**
 * When an account ended: a cancelled account when it was cancelled (CAN-2, CAN-1), any other
 * (inactivity, an erasure request) when it was erased.
 */
export function accountEndedAt(cancelledAt: number | null, erasedAt: number): number {
  return cancelledAt ?? erasedAt;
}

/** GDPR-4: the moment what is still held for an account that ended at `endedAt` is erased. */
export function retentionEndsAt(endedAt: number): number {
  return addMonths(endedAt, RETENTION_YEARS * 12);
}
