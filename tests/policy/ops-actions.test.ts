/** TERM-1: the vendor suspends (reversibly) or terminates (irreversibly) an account, with notice. */
import fc from 'fast-check';
import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  viewAccount,
  type AccountEffect,
  type AccountInput,
  type AccountState,
} from '../../workflows/policy/account';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { DEFAULT_EXTRA_SEAT_PRICE, openCouponAccount } from '../../workflows/policy/coupon';
import { ERASURE_GRACE_DAYS } from '../../workflows/policy/lifecycle';
import { opsReasons, TERM_NOTICE_DAYS, type OpsReason } from '../../workflows/policy/ops-actions';
import { DAY_MS } from '../../workflows/policy/periods';
import { inDailyUse } from './in-use';

const plan: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'EUR',
  seatPrice: { monthly: 1700, annual: 16800 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const signupAt = Date.parse('2026-03-02T09:00:00.000Z');
const paidAt = signupAt + DAY_MS;
const deadline: AccountInput = { kind: 'deadline_reached' };

function suspendReq(reason: OpsReason = 'terms_breach', urgent = false): AccountInput {
  return { kind: 'ops_suspension_requested', reason, urgent };
}
function terminateReq(reason: OpsReason = 'terms_breach', urgent = false): AccountInput {
  return { kind: 'ops_termination_requested', reason, urgent };
}
const reactivateReq: AccountInput = { kind: 'ops_reactivation_requested', reason: 'resolved' };

/** Runs `input` and, like the workflow, the charge outcomes it leads to (every charge succeeds). */
function run(state: AccountState, input: AccountInput, now: number) {
  const effects: AccountEffect[] = [];
  const queue: AccountInput[] = [input];
  while (queue.length > 0) {
    const decision = decide(state, queue.shift()!, now);
    state = decision.state;
    for (const effect of decision.effects) {
      effects.push(effect);
      if (effect.kind === 'charge_invoice') {
        queue.push({
          kind: 'charge_succeeded',
          invoiceId: effect.invoice.invoiceId,
          paymentId: `pi_${effect.invoice.invoiceId}`,
        });
      }
    }
  }
  return { state, effects };
}

/** An account in daily use (INACT-1 never fires) whose first month (from `paidAt`) is paid. */
function paying(): AccountState {
  const opened = inDailyUse(
    openAccount({
      accountId: 'acc_1',
      plan,
      seats: 2,
      cycle: 'monthly',
      now: signupAt,
    }),
  );
  const { state } = run(
    opened,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  );
  expect(state.status).toBe('active');
  return state;
}

const charges = (effects: readonly AccountEffect[]) =>
  effects.filter((effect) => effect.kind === 'charge_invoice');
const templates = (effects: readonly AccountEffect[]) =>
  effects.flatMap((effect) => (effect.kind === 'send_email' ? [effect.template] : []));
const audits = (effects: readonly AccountEffect[]) =>
  effects.flatMap((effect) => (effect.kind === 'record_audit_event' ? [effect.event] : []));

describe('notice period', () => {
  test('TERM-1: a suspension is announced by email at once and takes effect 7 days later', () => {
    expect(TERM_NOTICE_DAYS).toBe(7);
    const askedAt = paidAt + 3 * DAY_MS;
    const announced = run(paying(), suspendReq('abuse'), askedAt);
    const effectiveAt = askedAt + 7 * DAY_MS;
    expect(announced.state.status).toBe('active');
    expect(announced.effects).toContainEqual({
      kind: 'send_email',
      template: 'ops_suspension_notice',
      idempotencyKey: `acc_1:email:ops_suspension_notice:${askedAt}`,
      effectiveAt,
    });
    expect(audits(announced.effects)).toEqual(['ops_action_announced']);
    expect(nextDeadline(announced.state)).toEqual({ at: effectiveAt, action: 'ops_suspend' });
    expect(viewAccount(announced.state).opsNotice).toEqual({
      action: 'suspend',
      reason: 'abuse',
      announcedAt: new Date(askedAt).toISOString(),
      effectiveAt: new Date(effectiveAt).toISOString(),
    });

    // Nothing happens a moment early; at the deadline the account is suspended, with a notice.
    expect(run(announced.state, deadline, effectiveAt - 1).state.status).toBe('active');
    const suspended = run(announced.state, deadline, effectiveAt + 5_000);
    expect(suspended.state).toMatchObject({
      status: 'suspended',
      suspensionReason: 'ops_suspended',
      opsNotice: null,
    });
    expect(viewAccount(suspended.state).opsSuspension).toEqual({
      reason: 'abuse',
      since: new Date(effectiveAt).toISOString(),
    });
    expect(templates(suspended.effects)).toEqual(['ops_suspended']);
    expect(audits(suspended.effects)).toEqual(['account_suspended']);
  });

  test('TERM-1: an urgent suspension takes effect at once, with no prior warning', () => {
    const at = paidAt + 2 * DAY_MS;
    const { state, effects } = run(paying(), suspendReq('fraud', true), at);
    expect(state).toMatchObject({ status: 'suspended', suspensionReason: 'ops_suspended' });
    expect(templates(effects)).toEqual(['ops_suspended']);
    expect(effects).toContainEqual(
      expect.objectContaining({
        kind: 'record_audit_event',
        event: 'account_suspended',
        detail: { clause: 'TERM-1', reason: 'fraud', urgent: true },
        occurredAt: at,
      }),
    );
  });

  test('TERM-1: an announced action wins a tie with a renewal, so a suspended account is not charged', () => {
    const renewalAt = Date.parse('2026-04-03T09:00:00.000Z');
    const announced = run(paying(), suspendReq(), renewalAt - TERM_NOTICE_DAYS * DAY_MS);
    expect(nextDeadline(announced.state)).toEqual({ at: renewalAt, action: 'ops_suspend' });
    const suspended = run(announced.state, deadline, renewalAt);
    expect(charges(suspended.effects)).toEqual([]);
    expect(nextDeadline(suspended.state)?.action).not.toBe('renew');
  });
});

describe('billing while suspended', () => {
  test('TERM-1: no renewal is charged while ops-suspended; reactivation after the period ended charges a fresh period from then', () => {
    const suspendedAt = paidAt + 10 * DAY_MS;
    const suspended = run(paying(), suspendReq('terms_breach', true), suspendedAt).state;
    // The period ends on 2026-04-03; no renewal is scheduled while suspended.
    expect(nextDeadline(suspended)?.action).not.toBe('renew');

    const liftedAt = Date.parse('2026-04-10T12:00:00.000Z');
    const lifted = run(suspended, reactivateReq, liftedAt);
    expect(lifted.state).toMatchObject({ status: 'active', suspensionReason: null });
    expect(charges(lifted.effects)).toHaveLength(1);
    const invoice = charges(lifted.effects)[0].invoice;
    expect(invoice.periodStart).toBe(liftedAt);
    expect(templates(lifted.effects)).toEqual(['ops_reactivated', 'receipt']);
    expect(audits(lifted.effects)).toEqual(['account_reactivated']);
    expect(nextDeadline(lifted.state)).toEqual({
      at: Date.parse('2026-05-10T12:00:00.000Z'),
      action: 'renew',
    });
  });

  test('TERM-1: reactivation within the paid period charges nothing and keeps the renewal date', () => {
    const suspended = run(paying(), suspendReq('other', true), paidAt + DAY_MS).state;
    const lifted = run(suspended, reactivateReq, paidAt + 5 * DAY_MS);
    expect(lifted.state.status).toBe('active');
    expect(charges(lifted.effects)).toEqual([]);
    expect(nextDeadline(lifted.state)).toEqual({
      at: Date.parse('2026-04-03T09:00:00.000Z'),
      action: 'renew',
    });
  });

  test('TERM-1: an ops-suspended account cannot start billing by attaching a card', () => {
    const suspended = run(paying(), suspendReq('abuse', true), paidAt).state;
    expect(
      refuse(suspended, { kind: 'payment_method_submitted', paymentMethodId: 'pm_2' }),
    ).toMatchObject({ code: 'ACCOUNT_SUSPENDED', clause: 'TERM-1' });
  });

  test('TERM-1: a trial suspended by ops and reactivated is still a trial, ending when it would have', () => {
    const opened = openAccount({
      accountId: 'acc_1',
      plan,
      seats: 2,
      cycle: 'monthly',
      now: signupAt,
    });
    const suspended = run(opened, suspendReq('abuse', true), signupAt + DAY_MS).state;
    const lifted = run(suspended, reactivateReq, signupAt + 3 * DAY_MS).state;
    expect(lifted.status).toBe('trialing');
    expect(nextDeadline(lifted)).toEqual({ at: signupAt + 14 * DAY_MS, action: 'end_trial' });
  });
});

describe('reactivation', () => {
  test('TERM-1: reactivation withdraws an announced suspension; the owner hears of it', () => {
    const announced = run(paying(), suspendReq(), paidAt + DAY_MS).state;
    const withdrawn = run(announced, reactivateReq, paidAt + 2 * DAY_MS);
    expect(withdrawn.state).toMatchObject({ status: 'active', opsNotice: null });
    expect(templates(withdrawn.effects)).toEqual(['ops_action_withdrawn']);
    expect(audits(withdrawn.effects)).toEqual(['ops_action_withdrawn']);
    expect(nextDeadline(withdrawn.state)?.action).toBe('renew');
  });

  test.each(['trial_expired', 'payment_failed', 'billing_details_missing', 'code_abuse'] as const)(
    'TERM-1: reactivation does not lift a %s suspension',
    (reason) => {
      const state: AccountState = { ...paying(), status: 'suspended', suspensionReason: reason };
      expect(refuse(state, reactivateReq)).toMatchObject({
        code: 'SUSPENSION_NOT_LIFTABLE',
        clause: 'TERM-1',
      });
      expect(decide(state, reactivateReq, paidAt + DAY_MS)).toEqual({ state, effects: [] });
    },
  );

  test('TERM-1: an ops suspension laid over a payment_failed one lifts back to payment_failed', () => {
    const unpaid: AccountState = {
      ...paying(),
      status: 'suspended',
      suspensionReason: 'payment_failed',
    };
    const suspended = run(unpaid, suspendReq('abuse', true), paidAt + DAY_MS).state;
    expect(suspended.suspensionReason).toBe('ops_suspended');
    const lifted = run(suspended, reactivateReq, paidAt + 2 * DAY_MS);
    expect(lifted.state).toMatchObject({ status: 'suspended', suspensionReason: 'payment_failed' });
    expect(charges(lifted.effects)).toEqual([]);
  });

  test('TERM-1: reactivating an account that is not suspended is refused', () => {
    expect(refuse(paying(), reactivateReq)).toMatchObject({ code: 'NOT_SUSPENDED' });
  });

  test('TERM-1: a repeated suspension is refused; an urgent one overrides an announced one', () => {
    const suspended = run(paying(), suspendReq('abuse', true), paidAt).state;
    expect(refuse(suspended, suspendReq())).toMatchObject({ code: 'ALREADY_SUSPENDED' });

    const announced = run(paying(), suspendReq(), paidAt).state;
    expect(refuse(announced, suspendReq())).toMatchObject({ code: 'OPS_ACTION_PENDING' });
    expect(refuse(announced, suspendReq('fraud', true))).toBeNull();
    const now = run(announced, suspendReq('fraud', true), paidAt + DAY_MS).state;
    expect(now).toMatchObject({ status: 'suspended', opsNotice: null });
  });
});

describe('termination', () => {
  test('TERM-1: a termination is announced, takes effect after the notice, and is followed by the CAN-3 erasure', () => {
    const askedAt = paidAt + 4 * DAY_MS;
    const announced = run(paying(), terminateReq('terms_breach'), askedAt);
    const effectiveAt = askedAt + TERM_NOTICE_DAYS * DAY_MS;
    expect(templates(announced.effects)).toEqual(['ops_termination_notice']);
    expect(nextDeadline(announced.state)).toEqual({ at: effectiveAt, action: 'ops_terminate' });

    const terminated = run(announced.state, deadline, effectiveAt);
    expect(terminated.state).toMatchObject({
      status: 'cancelled',
      cancelledAt: effectiveAt,
      termination: { reason: 'terms_breach', at: effectiveAt },
    });
    expect(templates(terminated.effects)).toEqual(['ops_terminated']);
    expect(audits(terminated.effects)).toEqual(['account_terminated']);
    const eraseAt = effectiveAt + ERASURE_GRACE_DAYS * DAY_MS;
    expect(nextDeadline(terminated.state)).toEqual({ at: eraseAt, action: 'erase' });
    const erased = run(terminated.state, deadline, eraseAt);
    expect(erased.state.status).toBe('deleted');
    expect(erased.effects).toContainEqual(
      expect.objectContaining({ kind: 'erase_account', reason: 'terminated' }),
    );
  });

  test('TERM-1: termination is irreversible: reactivation, suspension and termination are refused afterwards', () => {
    const terminated = run(paying(), terminateReq('fraud', true), paidAt + DAY_MS).state;
    for (const input of [reactivateReq, suspendReq(), terminateReq('other', true)]) {
      expect(refuse(terminated, input)).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'TERM-1' });
    }
    expect(
      refuse({ ...paying(), status: 'cancelled', cancelledAt: paidAt }, terminateReq()),
    ).toMatchObject({ code: 'ACCOUNT_CLOSED', clause: 'CAN-2' });
  });

  test('TERM-1: an announced termination cannot be reactivated away, and outranks a suspension', () => {
    const announced = run(paying(), terminateReq(), paidAt).state;
    expect(refuse(announced, reactivateReq)).toMatchObject({ code: 'TERMINATION_PENDING' });
    expect(refuse(announced, suspendReq('abuse', true))).toMatchObject({
      code: 'TERMINATION_PENDING',
    });
    expect(refuse(announced, terminateReq())).toMatchObject({ code: 'OPS_ACTION_PENDING' });
    expect(refuse(announced, terminateReq('fraud', true))).toBeNull();
  });

  test('TERM-1: nothing is ever charged after a termination, whatever comes next', () => {
    const inputs: fc.Arbitrary<AccountInput>[] = [
      fc.constant(deadline),
      fc.constant<AccountInput>({ kind: 'payment_method_submitted', paymentMethodId: 'pm_9' }),
      fc.constant<AccountInput>({
        kind: 'payment_method_attached',
        customerId: 'cus_1',
        paymentMethodId: 'pm_9',
      }),
      fc.constant(reactivateReq),
      fc.constantFrom(...opsReasons).map((reason) => suspendReq(reason, true)),
      fc.constant<AccountInput>({ kind: 'shared_login_detected' }),
      fc.constant<AccountInput>({ kind: 'support_cancellation_requested', holidays: [] }),
    ];
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.oneof(...inputs), fc.integer({ min: 0, max: 400 })), {
          maxLength: 12,
        }),
        (urgent, steps) => {
          const askedAt = paidAt + DAY_MS;
          let { state } = run(paying(), terminateReq('abuse', urgent), askedAt);
          let now = askedAt;
          const effects: AccountEffect[] = [];
          for (const [input, days] of [[deadline, TERM_NOTICE_DAYS] as const, ...steps]) {
            now += days * DAY_MS;
            const decision = run(state, input, now);
            state = decision.state;
            effects.push(...decision.effects);
          }
          expect(charges(effects)).toEqual([]);
          expect(['cancelled', 'deleted']).toContain(state.status);
        },
      ),
    );
  });
});

describe('lifetime-deal accounts', () => {
  const couponAccount = (): AccountState =>
    openCouponAccount({
      accountId: 'acc_c',
      plan: { ...plan, planId: 'all-inclusive', currency: 'USD' },
      terms: {
        codeHash: 'a'.repeat(64),
        campaignId: 'appsumo-2019',
        includedSeats: 2,
        extraSeatPrice: DEFAULT_EXTRA_SEAT_PRICE,
      },
      now: signupAt,
    });

  test('TERM-1: an ops-suspended coupon account takes no seat change or billing-details charge', () => {
    const suspended = run(couponAccount(), suspendReq('abuse', true), signupAt + DAY_MS).state;
    for (const input of [
      { kind: 'coupon_seats_changed', seats: 4 },
      { kind: 'billing_details_checked', missing: [] },
    ] as const) {
      expect(refuse(suspended, input)).toMatchObject({
        code: 'ACCOUNT_SUSPENDED',
        clause: 'TERM-1',
      });
      expect(decide(suspended, input, signupAt + 2 * DAY_MS)).toEqual({
        state: suspended,
        effects: [],
      });
    }
  });

  test('TERM-1: a shared code reported during an ops suspension keeps the account suspended for code abuse after reactivation (LTD-2)', () => {
    const suspended = run(couponAccount(), suspendReq('abuse', true), signupAt + DAY_MS).state;
    const reported = run(suspended, { kind: 'code_abuse_reported' }, signupAt + 2 * DAY_MS);
    expect(reported.state.suspensionReason).toBe('ops_suspended');
    expect(templates(reported.effects)).toEqual(['code_abuse_suspended']);
    const lifted = run(reported.state, reactivateReq, signupAt + 3 * DAY_MS).state;
    expect(lifted).toMatchObject({ status: 'suspended', suspensionReason: 'code_abuse' });
  });
});
