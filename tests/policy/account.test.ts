import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  reportActivity,
  viewAccount,
  type AccountEffect,
  type AccountInput,
  type AccountState,
} from '../../workflows/policy/account';
import { inDailyUse } from './in-use';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { addMonths, DAY_MS } from '../../workflows/policy/periods';

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

function signedUp(cycle: 'monthly' | 'annual' = 'monthly'): AccountState {
  return openAccount({ accountId: 'acc_1', plan, seats: 3, cycle, now: signupAt });
}

/**
 * Feeds inputs one after another, answering effects the way the shell would on success.
 * The account is in use: each step also reports activity (INACT-1), so that the billing rules
 * tested here are not interrupted by the inactivity clock (tests/policy/lifecycle.test.ts).
 */
function run(
  state: AccountState,
  steps: readonly [AccountInput, number][],
): { state: AccountState; effects: AccountEffect[] } {
  const effects: AccountEffect[] = [];
  let current = state;
  for (const [input, now] of steps) {
    current = reportActivity(current, now);
    const queue: AccountInput[] = [input];
    while (queue.length > 0) {
      const decision = decide(current, queue.shift()!, now);
      current = decision.state;
      for (const effect of decision.effects) {
        effects.push(effect);
        if (effect.kind === 'attach_payment_method') {
          queue.push({
            kind: 'payment_method_attached',
            customerId: 'cus_1',
            paymentMethodId: effect.paymentMethodId,
          });
        }
      }
    }
  }
  return { state: current, effects };
}

const card: AccountInput = { kind: 'payment_method_submitted', paymentMethodId: 'pm_1' };
const deadline: AccountInput = { kind: 'deadline_reached' };

function charges(effects: readonly AccountEffect[]) {
  return effects.filter(
    (effect): effect is Extract<AccountEffect, { kind: 'charge_invoice' }> =>
      effect.kind === 'charge_invoice',
  );
}

/** Settles the in-flight charge as paid. */
function paid(state: AccountState, now: number) {
  return decide(
    state,
    { kind: 'charge_succeeded', invoiceId: state.charge!.invoice.invoiceId, paymentId: 'pi' },
    now,
  );
}

describe('account policy', () => {
  test('PAY-1a: signup starts a 14-day trial', () => {
    const state = signedUp();
    expect(state.status).toBe('trialing');
    expect(state.trialEndsAt).toBe(signupAt + 14 * DAY_MS);
    expect(nextDeadline(state)).toEqual({ at: signupAt + 14 * DAY_MS, action: 'end_trial' });
  });

  test('PAY-1a: a trial is never longer than the plan allows', () => {
    const state = openAccount({
      accountId: 'acc_2',
      plan: { ...plan, trialDays: 7 },
      seats: 1,
      cycle: 'monthly',
      now: signupAt,
    });
    expect(state.trialEndsAt).toBe(signupAt + 7 * DAY_MS);
  });

  test('PAY-1b: the trial deadline without a card suspends the account and emails the owner', () => {
    const { state, effects } = run(signedUp(), [[deadline, signupAt + 14 * DAY_MS]]);
    expect(state.status).toBe('suspended');
    expect(state.suspensionReason).toBe('trial_expired');
    expect(effects).toEqual([
      expect.objectContaining({ kind: 'send_email', template: 'trial_expired' }),
    ]);
    // No billing deadline is left; only the inactivity clock (INACT-1) still runs.
    expect(nextDeadline(state)?.action).toBe('warn_inactive');
  });

  test('PAY-1b: a deadline input before the deadline changes nothing', () => {
    const before = signedUp();
    const { state, effects } = decide(before, deadline, signupAt + 14 * DAY_MS - 1);
    expect(state).toEqual(before);
    expect(effects).toEqual([]);
  });

  test('PAY-1b: a card on a suspended account charges a first period from that moment', () => {
    const reactivatedAt = signupAt + 30 * DAY_MS;
    const { state, effects } = run(signedUp(), [
      [deadline, signupAt + 14 * DAY_MS],
      [card, reactivatedAt],
    ]);
    const [charge] = charges(effects);
    expect(charge.invoice.periodStart).toBe(reactivatedAt);
    expect(charge.invoice.total).toBe(5100);
    const settled = paid(state, reactivatedAt);
    expect(settled.state.status).toBe('active');
    expect(settled.state.suspensionReason).toBeNull();
  });

  test('PAY-1c: a card during the trial charges the first month at once, anchored now', () => {
    const attachedAt = signupAt + 2 * DAY_MS;
    const { state, effects } = run(signedUp(), [[card, attachedAt]]);
    const [charge] = charges(effects);
    expect(charge).toMatchObject({
      customerId: 'cus_1',
      paymentMethodId: 'pm_1',
      idempotencyKey: 'acc_1-0001:charge:1',
      invoice: {
        invoiceId: 'acc_1-0001',
        periodStart: attachedAt,
        periodEnd: addMonths(attachedAt, 1),
        subtotal: 5100,
        tax: 0,
        total: 5100,
        currency: 'EUR',
      },
    });
    expect(charge.invoice.lines).toEqual([
      expect.objectContaining({ clause: 'PAY-1c', quantity: 3, unitAmount: 1700, amount: 5100 }),
    ]);
    // No deadline while the charge is in flight.
    expect(nextDeadline(state)).toBeNull();

    const settled = paid(state, attachedAt);
    expect(settled.state.status).toBe('active');
    expect(settled.state.billing).toEqual({ anchor: attachedAt, periodIndex: 0 });
    expect(nextDeadline(settled.state)).toEqual({
      at: addMonths(attachedAt, 1),
      action: 'renew',
    });
    // PAY-7: a receipt for the charge, keyed by invoice.
    expect(settled.effects).toEqual([
      expect.objectContaining({
        kind: 'send_email',
        template: 'receipt',
        invoiceId: 'acc_1-0001',
        idempotencyKey: 'acc_1:email:acc_1-0001:receipt',
      }),
    ]);
  });

  test('PAY-1d: renewals charge each period at its start, from the anchor, clamped at month ends', () => {
    const attachedAt = Date.parse('2026-01-31T12:00:00.000Z');
    let state = paid(run(signedUp(), [[card, attachedAt]]).state, attachedAt).state;
    const starts: number[] = [];
    for (let month = 1; month <= 3; month += 1) {
      // The account is in use the day before, so the inactivity clock (INACT-1) never
      // interrupts its renewals.
      state = reportActivity(state, addMonths(attachedAt, month) - DAY_MS);
      const due = nextDeadline(state)!;
      const decision = decide(state, deadline, due.at);
      const [charge] = charges(decision.effects);
      starts.push(charge.invoice.periodStart);
      expect(charge.invoice.lines[0].clause).toBe('PAY-1d');
      expect(charge.idempotencyKey).toBe(`acc_1-000${month + 1}:charge:1`);
      state = paid(decision.state, due.at).state;
    }
    expect(starts.map((s) => new Date(s).toISOString())).toEqual([
      '2026-02-28T12:00:00.000Z',
      '2026-03-31T12:00:00.000Z',
      '2026-04-30T12:00:00.000Z',
    ]);
  });

  test('PAY-1d: an annual cycle charges twelve months in advance', () => {
    const attachedAt = signupAt + DAY_MS;
    const { effects } = run(signedUp('annual'), [[card, attachedAt]]);
    const [charge] = charges(effects);
    expect(charge.invoice.total).toBe(3 * 16800);
    expect(charge.invoice.periodEnd).toBe(addMonths(attachedAt, 12));
  });

  test('PAY-7: replacing the card of an active account charges nothing', () => {
    const attachedAt = signupAt + DAY_MS;
    const active = paid(run(signedUp(), [[card, attachedAt]]).state, attachedAt).state;
    const { state, effects } = run(active, [
      [{ kind: 'payment_method_submitted', paymentMethodId: 'pm_2' }, attachedAt + DAY_MS],
    ]);
    expect(charges(effects)).toEqual([]);
    expect(state.paymentMethod?.paymentMethodId).toBe('pm_2');
  });

  /** Declines the in-flight charge at `now`. */
  function declined(state: AccountState, now: number) {
    return decide(
      state,
      {
        kind: 'charge_failed',
        invoiceId: state.charge!.invoice.invoiceId,
        code: 'CARD_DECLINED',
        message: 'no',
      },
      now,
    );
  }

  /** An active monthly account whose first renewal was declined once; and when. */
  function firstDecline() {
    const attachedAt = signupAt + DAY_MS;
    const active = paid(run(inDailyUse(signedUp()), [[card, attachedAt]]).state, attachedAt).state;
    const renewalAt = nextDeadline(active)!.at;
    const failed = declined(decide(active, deadline, renewalAt).state, renewalAt);
    return { failed, renewalAt };
  }

  test('PAY-13: a declined renewal is retried 3, 5 and 7 days later while the account stays active', () => {
    const { failed, renewalAt } = firstDecline();
    expect(failed.state.status).toBe('active');
    expect(failed.effects).toEqual([
      expect.objectContaining({
        kind: 'send_email',
        template: 'payment_retrying',
        effectiveAt: renewalAt + 7 * DAY_MS,
      }),
    ]);
    expect(nextDeadline(failed.state)).toEqual({
      at: renewalAt + 3 * DAY_MS,
      action: 'retry_payment',
    });
    // Nothing happens before the retry is due.
    expect(decide(failed.state, deadline, renewalAt + 3 * DAY_MS - 1).effects).toEqual([]);

    const retry1 = decide(failed.state, deadline, renewalAt + 3 * DAY_MS);
    const [charge1] = charges(retry1.effects);
    expect(charge1.invoice.invoiceId).toBe('acc_1-0002');
    expect(charge1.idempotencyKey).toBe('acc_1-0002:charge:2');
    const failed1 = declined(retry1.state, renewalAt + 3 * DAY_MS);
    expect(failed1.effects).toEqual([]);
    expect(nextDeadline(failed1.state)?.at).toBe(renewalAt + 5 * DAY_MS);

    const retry2 = decide(failed1.state, deadline, renewalAt + 5 * DAY_MS);
    expect(charges(retry2.effects)[0].idempotencyKey).toBe('acc_1-0002:charge:3');
    const failed2 = declined(retry2.state, renewalAt + 5 * DAY_MS);
    // The warning before suspension names the day of the last attempt.
    expect(failed2.effects).toEqual([
      expect.objectContaining({
        template: 'payment_failed_final_warning',
        effectiveAt: renewalAt + 7 * DAY_MS,
      }),
    ]);
    expect(failed2.state.status).toBe('active');

    const retry3 = decide(failed2.state, deadline, renewalAt + 7 * DAY_MS);
    expect(charges(retry3.effects)[0].idempotencyKey).toBe('acc_1-0002:charge:4');
    const suspended = declined(retry3.state, renewalAt + 7 * DAY_MS);
    expect(suspended.state.status).toBe('suspended');
    expect(suspended.state.suspensionReason).toBe('payment_failed');
    expect(suspended.effects).toEqual([
      expect.objectContaining({ kind: 'send_email', template: 'payment_failed' }),
    ]);
    // No billing deadline while suspended; only the inactivity clock (INACT-1) still runs.
    expect(nextDeadline(suspended.state)?.action).toBe('warn_inactive');
  });

  test('PAY-13: a retry that succeeds ends the dunning and keeps the period', () => {
    const { failed, renewalAt } = firstDecline();
    const retry = decide(failed.state, deadline, renewalAt + 3 * DAY_MS);
    const ok = paid(retry.state, renewalAt + 3 * DAY_MS).state;
    expect(ok.status).toBe('active');
    expect(ok.dunning).toBeNull();
    expect(ok.unpaid).toBeNull();
    expect(nextDeadline(ok)).toEqual({ at: addMonths(renewalAt, 1), action: 'renew' });
  });

  test('PAY-13: a new card during the retries charges what is due at once', () => {
    const { failed, renewalAt } = firstDecline();
    const { state, effects } = run(failed.state, [
      [{ kind: 'payment_method_submitted', paymentMethodId: 'pm_2' }, renewalAt + DAY_MS],
    ]);
    const [charge] = charges(effects);
    expect(charge.invoice.invoiceId).toBe('acc_1-0002');
    expect(charge.paymentMethodId).toBe('pm_2');
    expect(paid(state, renewalAt + DAY_MS).state.dunning).toBeNull();
  });

  test('PAY-13: a new card after the unpaid period has ended starts a fresh period instead', () => {
    let { failed } = firstDecline();
    const { renewalAt } = firstDecline();
    for (const days of [3, 5, 7]) {
      const at = renewalAt + days * DAY_MS;
      failed = declined(decide(failed.state, deadline, at).state, at);
    }
    expect(failed.state.status).toBe('suspended');
    const later = addMonths(renewalAt, 2);
    const { effects } = run(failed.state, [[card, later]]);
    const [charge] = charges(effects);
    expect(charge.invoice.periodStart).toBe(later);
    expect(charge.invoice.invoiceId).toBe('acc_1-0003');
  });

  test('CAN-2: Stop Account cancels at once, emails the owner and leaves no billing deadline', () => {
    const attachedAt = signupAt + DAY_MS;
    const active = paid(run(signedUp(), [[card, attachedAt]]).state, attachedAt).state;
    const stoppedAt = attachedAt + 5 * DAY_MS;
    const { state, effects } = run(active, [[{ kind: 'stop_requested' }, stoppedAt]]);
    expect(state.status).toBe('cancelled');
    expect(state.cancelledAt).toBe(stoppedAt);
    // Only the erasure of the content remains (CAN-3).
    expect(nextDeadline(state)).toEqual({ at: stoppedAt + 30 * DAY_MS, action: 'erase' });
    expect(effects).toEqual([
      expect.objectContaining({ kind: 'send_email', template: 'account_stopped' }),
    ]);
    // A renewal deadline arriving afterwards charges nothing.
    expect(decide(state, deadline, addMonths(attachedAt, 1)).effects).toEqual([]);
  });

  test('CAN-2: a cancelled account refuses a card and ignores a second stop', () => {
    const stopped = run(signedUp(), [[{ kind: 'stop_requested' }, signupAt]]).state;
    expect(refuse(stopped, card)).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'CAN-2' });
    expect(decide(stopped, card, signupAt).effects).toEqual([]);
    expect(decide(stopped, { kind: 'stop_requested' }, signupAt + 1)).toEqual({
      state: stopped,
      effects: [],
    });
  });

  test('CAN-1: support cancellation is effective by the end of the next business day, with a confirmation', () => {
    const attachedAt = Date.parse('2026-11-16T10:00:00.000Z');
    const active = paid(run(signedUp(), [[card, attachedAt]]).state, attachedAt).state;
    const friday = Date.parse('2026-11-20T18:00:00.000Z');
    const mondayEnd = Date.parse('2026-11-23T23:59:59.999Z');
    const filed = decide(active, { kind: 'support_cancellation_requested', holidays: [] }, friday);
    expect(filed.state.status).toBe('active');
    expect(filed.state.pendingCancellation).toEqual({
      requestedAt: friday,
      effectiveAt: mondayEnd,
    });
    expect(filed.effects).toEqual([
      expect.objectContaining({ template: 'cancellation_confirmed', effectiveAt: mondayEnd }),
    ]);
    expect(nextDeadline(filed.state)).toEqual({ at: mondayEnd, action: 'cancel' });

    const effective = decide(filed.state, deadline, mondayEnd);
    expect(effective.state.status).toBe('cancelled');
    expect(effective.state.cancelledAt).toBe(mondayEnd);
    expect(charges(effective.effects)).toEqual([]);
  });

  test('CAN-1: a renewal due before the cancellation takes effect ends the account instead of charging', () => {
    const attachedAt = Date.parse('2026-10-24T10:00:00.000Z'); // renews Tue 24 Nov 10:00
    const active = paid(run(signedUp(), [[card, attachedAt]]).state, attachedAt).state;
    const monday = Date.parse('2026-11-23T20:00:00.000Z'); // due by end of Tuesday 24 Nov
    const filed = run(active, [[{ kind: 'support_cancellation_requested', holidays: [] }, monday]]);
    const due = nextDeadline(filed.state)!;
    expect(due).toEqual({ at: Date.parse('2026-11-24T10:00:00.000Z'), action: 'cancel' });
    const effective = decide(filed.state, deadline, due.at);
    expect(effective.state.status).toBe('cancelled');
    expect(charges(effective.effects)).toEqual([]);
  });

  test('the view tells what happens next and when', () => {
    const view = viewAccount(signedUp());
    expect(view).toMatchObject({
      status: 'trialing',
      planId: 'team',
      seats: 3,
      periodPrice: { amount: 5100, currency: 'EUR' },
      currentPeriod: null,
      nextDeadline: {
        at: new Date(signupAt + 14 * DAY_MS).toISOString(),
        action: 'end_trial',
      },
    });
    expect(view.nextDeadline?.description).toMatch(/PAY-1b/);
  });
});
