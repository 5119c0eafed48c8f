/** The end of an account's life: inactivity (INACT-1, INACT-2) and erasure after cancellation (CAN-3). */
import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  reportActivity,
  viewAccount,
  type AccountInput,
  type AccountState,
} from '../../workflows/policy/account';
import type { PlanTerms } from '../../workflows/policy/catalog';
import {
  ERASURE_GRACE_DAYS,
  INACTIVITY_DELETION_DAYS,
  INACTIVITY_WARNING_DAYS,
} from '../../workflows/policy/lifecycle';
import { DAY_MS } from '../../workflows/policy/periods';

const plan: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'EUR',
  seatPrice: { monthly: 1700, annual: 16800 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const signupAt = Date.parse('2026-01-31T09:00:00.000Z');
const deadline: AccountInput = { kind: 'deadline_reached' };

/** A lifetime-like account with no billing deadline, so only the inactivity clock acts. */
function idle(): AccountState {
  return {
    ...openAccount({ accountId: 'acc_1', plan, seats: 3, cycle: 'monthly', now: signupAt }),
    status: 'suspended',
    suspensionReason: 'trial_expired',
  };
}

describe('inactivity', () => {
  test('INACT-1/2: the clock is 28 and 56 calendar days, as the terms say 4 and 8 weeks', () => {
    expect(INACTIVITY_WARNING_DAYS).toBe(28);
    expect(INACTIVITY_DELETION_DAYS).toBe(56);
  });

  test('INACT-1: 28 days after the last activity the owner is warned once, naming the deletion date', () => {
    const state = idle();
    const warnAt = signupAt + 28 * DAY_MS;
    expect(nextDeadline(state)).toEqual({ at: warnAt, action: 'warn_inactive' });
    expect(decide(state, deadline, warnAt - 1)).toEqual({ state, effects: [] });

    const warned = decide(state, deadline, warnAt);
    expect(warned.effects).toEqual([
      {
        kind: 'send_email',
        template: 'inactivity_warning',
        idempotencyKey: `acc_1:email:inactivity-warning:${signupAt}`,
        effectiveAt: signupAt + 56 * DAY_MS,
      },
    ]);
    // Once: the next deadline is the deletion, and firing again before it sends nothing.
    expect(nextDeadline(warned.state)).toEqual({
      at: signupAt + 56 * DAY_MS,
      action: 'delete_inactive',
    });
    expect(decide(warned.state, deadline, warnAt + DAY_MS).effects).toEqual([]);
  });

  test('INACT-1: activity resets the clock; a timer that fires at the old deadline does nothing', () => {
    const state = idle();
    const activeAt = signupAt + 27 * DAY_MS;
    const moved = reportActivity(state, activeAt);
    expect(moved.lastActivityAt).toBe(activeAt);
    expect(nextDeadline(moved)).toEqual({
      at: activeAt + 28 * DAY_MS,
      action: 'warn_inactive',
    });
    // The timer set before the activity fires at day 28: no warning, nothing changes.
    expect(decide(moved, deadline, signupAt + 28 * DAY_MS)).toEqual({ state: moved, effects: [] });
    // The clock never goes back.
    expect(reportActivity(moved, activeAt - 1)).toBe(moved);
  });

  test('INACT-1: activity after the warning re-arms it: a second stretch of inactivity warns again', () => {
    const warned = decide(idle(), deadline, signupAt + 28 * DAY_MS).state;
    const backAt = signupAt + 40 * DAY_MS;
    const back = reportActivity(warned, backAt);
    expect(nextDeadline(back)).toEqual({ at: backAt + 28 * DAY_MS, action: 'warn_inactive' });
    const again = decide(back, deadline, backAt + 28 * DAY_MS);
    expect(again.effects).toEqual([
      expect.objectContaining({
        template: 'inactivity_warning',
        idempotencyKey: `acc_1:email:inactivity-warning:${backAt}`,
        effectiveAt: backAt + 56 * DAY_MS,
      }),
    ]);
  });

  test('INACT-2: 56 days after the last activity the account is deleted with its content', () => {
    const warned = decide(idle(), deadline, signupAt + 28 * DAY_MS).state;
    const deleteAt = signupAt + 56 * DAY_MS;
    const deleted = decide(warned, deadline, deleteAt);
    expect(deleted.state.status).toBe('deleted');
    expect(deleted.state.erasure).toEqual({ reason: 'inactivity', erasedAt: deleteAt });
    expect(deleted.effects).toEqual([
      { kind: 'erase_account', reason: 'inactivity', idempotencyKey: 'acc_1:erase' },
      {
        kind: 'notify_account_deleted',
        reason: 'inactivity',
        erasedAt: deleteAt,
        idempotencyKey: 'acc_1:webhook:account.deleted',
      },
      // GDPR-4: the account ended at its deletion; the retention timer counts from then.
      { kind: 'start_retention', endedAt: deleteAt },
    ]);
    expect(nextDeadline(deleted.state)).toBeNull();
    expect(
      refuse(deleted.state, { kind: 'payment_method_submitted', paymentMethodId: 'pm_1' }),
    ).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'INACT-2' });
    // A deleted account has no clock any more.
    expect(reportActivity(deleted.state, deleteAt + 1)).toBe(deleted.state);
  });

  test('INACT-2: activity between the warning and the deletion postpones the deletion', () => {
    const warned = decide(idle(), deadline, signupAt + 28 * DAY_MS).state;
    const activeAt = signupAt + 50 * DAY_MS;
    const back = reportActivity(warned, activeAt);
    expect(decide(back, deadline, signupAt + 56 * DAY_MS)).toEqual({ state: back, effects: [] });
    expect(viewAccount(back).deletionDueAt).toBe(new Date(activeAt + 56 * DAY_MS).toISOString());
  });

  test('INACT-2: when a renewal and the deletion fall due together, the account is deleted, not charged', () => {
    const base = idle();
    const deleteAt = signupAt + 56 * DAY_MS;
    const state: AccountState = {
      ...base,
      status: 'active',
      suspensionReason: null,
      inactivityWarnedFor: signupAt,
      billing: { anchor: deleteAt, periodIndex: -1 },
      paymentMethod: { customerId: 'cus_1', paymentMethodId: 'pm_1' },
    };
    expect(nextDeadline(state)).toEqual({ at: deleteAt, action: 'delete_inactive' });
    const { effects } = decide(state, deadline, deleteAt);
    expect(effects.map((effect) => effect.kind)).toEqual([
      'erase_account',
      'notify_account_deleted',
      'start_retention',
    ]);
  });
});

describe('erasure after cancellation', () => {
  test(`CAN-3: a cancelled account's content is erased ${ERASURE_GRACE_DAYS} days after the cancellation, irreversibly`, () => {
    const stoppedAt = signupAt + 3 * DAY_MS;
    const stopped = decide(idle(), { kind: 'stop_requested' }, stoppedAt).state;
    expect(stopped.status).toBe('cancelled');
    const eraseAt = stoppedAt + ERASURE_GRACE_DAYS * DAY_MS;
    expect(nextDeadline(stopped)).toEqual({ at: eraseAt, action: 'erase' });
    expect(viewAccount(stopped).deletionDueAt).toBe(new Date(eraseAt).toISOString());
    // Activity on a cancelled account does not postpone its erasure.
    expect(reportActivity(stopped, stoppedAt + DAY_MS)).toBe(stopped);

    const erased = decide(stopped, deadline, eraseAt);
    expect(erased.state).toMatchObject({
      status: 'deleted',
      cancelledAt: stoppedAt,
      erasure: { reason: 'cancelled', erasedAt: eraseAt },
    });
    // Erased first, then the product is told (CAN-3).
    expect(erased.effects).toEqual([
      { kind: 'erase_account', reason: 'cancelled', idempotencyKey: 'acc_1:erase' },
      {
        kind: 'notify_account_deleted',
        reason: 'cancelled',
        erasedAt: eraseAt,
        idempotencyKey: 'acc_1:webhook:account.deleted',
      },
      // GDPR-4: a cancelled account ended when it was cancelled, not when it was erased.
      { kind: 'start_retention', endedAt: stoppedAt },
    ]);
    expect(viewAccount(erased.state)).toMatchObject({
      status: 'deleted',
      erasedAt: new Date(eraseAt).toISOString(),
      deletionDueAt: null,
      nextDeadline: null,
    });
    // Irreversible: nothing brings it back.
    expect(decide(erased.state, { kind: 'stop_requested' }, eraseAt + 1).effects).toEqual([]);
    expect(
      refuse(erased.state, { kind: 'support_cancellation_requested', holidays: [] }),
    ).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'CAN-3' });
  });
});
