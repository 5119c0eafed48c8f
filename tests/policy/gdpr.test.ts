/**
 * GDPR-2 erasure on request and GDPR-4 retention as pure policy: an erasure request ends the
 * account at once (stopped, erased, nothing more charged), and what is still held is erased 5
 * calendar years after the account ended.
 */
import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  type AccountState,
} from '../../workflows/policy/account';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { addMonths, DAY_MS } from '../../workflows/policy/periods';
import { accountEndedAt, RETENTION_YEARS, retentionEndsAt } from '../../workflows/policy/retention';

const plan: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'USD',
  seatPrice: { monthly: 1900, annual: 18000 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const signupAt = Date.UTC(2026, 0, 31, 9, 0);

function trialing(): AccountState {
  return openAccount({ accountId: 'acc_1', plan, seats: 3, cycle: 'monthly', now: signupAt });
}

describe('erasure on request', () => {
  test('GDPR-2: an erasure request stops the account and erases it at once, starting the retention timer', () => {
    const at = signupAt + 3 * DAY_MS;
    const { state, effects } = decide(trialing(), { kind: 'erasure_requested' }, at);
    expect(state).toMatchObject({
      status: 'deleted',
      cancelledAt: at,
      charge: null,
      paymentMethod: null,
      erasure: { reason: 'erasure_request', erasedAt: at },
    });
    expect(nextDeadline(state)).toBeNull();
    expect(effects).toEqual([
      { kind: 'erase_account', reason: 'erasure_request', idempotencyKey: 'acc_1:erase' },
      {
        kind: 'notify_account_deleted',
        reason: 'erasure_request',
        erasedAt: at,
        idempotencyKey: 'acc_1:webhook:account.deleted',
      },
      { kind: 'start_retention', endedAt: at },
    ]);
    // Afterwards every command is refused under the clause that ended it.
    expect(
      refuse(state, { kind: 'payment_method_submitted', paymentMethodId: 'pm_1' }),
    ).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'GDPR-2' });
    expect(decide(state, { kind: 'erasure_requested' }, at + DAY_MS)).toEqual({
      state,
      effects: [],
    });
  });

  test('GDPR-2: a cancelled account asked to be erased is erased now, not after the 30 days of CAN-3; it ended at its cancellation', () => {
    const stoppedAt = signupAt + 2 * DAY_MS;
    const stopped = decide(trialing(), { kind: 'stop_requested' }, stoppedAt).state;
    const at = stoppedAt + 4 * DAY_MS;
    const { state, effects } = decide(stopped, { kind: 'erasure_requested' }, at);
    expect(state).toMatchObject({
      status: 'deleted',
      cancelledAt: stoppedAt,
      erasure: { reason: 'erasure_request', erasedAt: at },
    });
    expect(effects.at(-1)).toEqual({ kind: 'start_retention', endedAt: stoppedAt });
  });
});

describe('retention', () => {
  test('GDPR-4: what is still held is erased 5 calendar years after the account ended', () => {
    expect(RETENTION_YEARS).toBe(5);
    const endedAt = Date.UTC(2026, 2, 14, 9, 30);
    expect(retentionEndsAt(endedAt)).toBe(Date.UTC(2031, 2, 14, 9, 30));
    // A leap day ends on the last day of February five years on.
    expect(retentionEndsAt(Date.UTC(2028, 1, 29, 12))).toBe(Date.UTC(2033, 1, 28, 12));
    expect(retentionEndsAt(endedAt)).toBe(addMonths(endedAt, 60));
  });

  test('GDPR-4: a cancelled account ended at its cancellation; any other at its erasure', () => {
    expect(accountEndedAt(100, 200)).toBe(100);
    expect(accountEndedAt(null, 200)).toBe(200);
  });
});
