/**
 * The end of an account's life as policy data and pure rules: inactivity (INACT-1, INACT-2)
 * and the scheduled erasure after a cancellation (CAN-3).
 *
 * Durations are calendar days in UTC (clauses.md: 4 weeks = 28 days, 8 weeks = 56 days).
 */
import { addDays } from './periods';

/** INACT-1: the owner is warned this long after the last recorded activity. */
export const INACTIVITY_WARNING_DAYS = 28;
/** INACT-2: the account is deleted this long after the last recorded activity. */
export const INACTIVITY_DELETION_DAYS = 56;
/**
 * CAN-3: how long a cancelled account's content is kept before the scheduled, irreversible
 * erasure. Policy data: the terms say "in the normal course of operations".
 */
export const ERASURE_GRACE_DAYS = 30;

/**
 * Why an account was erased: its cancellation's grace period ended (CAN-3), it was inactive
 * (INACT-2), the vendor ended it (TERM-1, erased on the CAN-3 schedule), or the person asked
 * for erasure (GDPR-2), which ends the account at once.
 */
export type ErasureReason = 'cancelled' | 'inactivity' | 'terminated' | 'erasure_request';

/** What the inactivity clock needs from the account's state. */
export interface ActivityClock {
  /** The last recorded login or usage (signup counts as activity). */
  readonly lastActivityAt: number;
  /** The `lastActivityAt` for which the INACT-1 warning was sent; re-armed by any activity. */
  readonly inactivityWarnedFor: number | null;
}

export type InactivityDeadline =
  | { readonly at: number; readonly action: 'warn_inactive' }
  | { readonly at: number; readonly action: 'delete_inactive' };

/** When the inactivity clock next acts: the warning if not yet sent, otherwise the deletion. */
export function inactivityDeadline(clock: ActivityClock): InactivityDeadline {
  if (clock.inactivityWarnedFor !== clock.lastActivityAt) {
    return {
      at: addDays(clock.lastActivityAt, INACTIVITY_WARNING_DAYS),
      action: 'warn_inactive',
    };
  }
  return { at: deletionDueAt(clock), action: 'delete_inactive' };
}

/** INACT-2: the moment an account with no further activity is deleted. */
export function deletionDueAt(clock: ActivityClock): number {
  return addDays(clock.lastActivityAt, INACTIVITY_DELETION_DAYS);
}

/**
 * Records an activity: the clock restarts from `at` (never backwards), which re-arms the
 * warning. Returns the same object when nothing changes, so callers can tell.
 */
export function recordActivity<T extends ActivityClock>(clock: T, at: number): T {
  if (at <= clock.lastActivityAt) return clock;
  return { ...clock, lastActivityAt: at };
}

/** CAN-3: the scheduled erasure of a cancelled account's content. */
export function erasureDueAt(cancelledAt: number): number {
  return addDays(cancelledAt, ERASURE_GRACE_DAYS);
}
