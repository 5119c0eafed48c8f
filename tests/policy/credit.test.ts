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
import { decideChange } from '../../workflows/policy/changes';
import {
  creditEndsAt,
  drawn,
  exhaustedAt,
  refundSplit,
  remainingAt,
  drawTerms,
} from '../../workflows/policy/credit';
import { openCouponAccount } from '../../workflows/policy/coupon';
import { addMonths, DAY_MS, type Cycle } from '../../workflows/policy/periods';
import { inDailyUse } from './in-use';

const team: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'EUR',
  seatPrice: { monthly: 1700, annual: 16800 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const signupAt = Date.parse('2026-01-31T09:00:00.000Z');
const paidAt = Date.parse('2026-02-01T09:00:00.000Z');
/** The end of the first (paid) annual period: the credit starts here. */
const yearEnd = Date.parse('2027-02-01T09:00:00.000Z');

function settle(state: AccountState, now: number, paymentId = 'pi_1'): AccountState {
  return decide(
    state,
    { kind: 'charge_succeeded', invoiceId: state.charge!.invoice.invoiceId, paymentId },
    now,
  ).state;
}

/** An account on Team with `seats`, its first period (from `paidAt`) paid. */
function active(seats: number, cycle: Cycle = 'annual'): AccountState {
  let state = inDailyUse(
    openAccount({ accountId: 'acc_1', plan: team, seats, cycle, now: signupAt }),
  );
  state = decide(
    state,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  return settle(state, paidAt, 'pi_first');
}

function credit(amount: number, refundBasisPoints?: number): AccountInput {
  return {
    kind: 'prepaid_credit_requested',
    request: {
      amount,
      currency: 'EUR',
      ...(refundBasisPoints === undefined ? {} : { refundBasisPoints }),
    },
  };
}

/** `state` with a paid credit of `amount`, bought at `at`. */
function withCredit(state: AccountState, amount: number, at: number): AccountState {
  return settle(decide(state, credit(amount), at).state, at, 'pi_credit');
}

/** Runs every deadline due up to `until` (settling charges as paid). */
function runUntil(state: AccountState, until: number): AccountState {
  for (;;) {
    const due = nextDeadline(state);
    if (!due || due.at > until) return state;
    state = decide(state, { kind: 'deadline_reached' }, due.at).state;
    if (state.charge) state = settle(state, due.at, `pi_${due.at}`);
  }
}

function ofKind<K extends AccountEffect['kind']>(
  effects: readonly AccountEffect[],
  kind: K,
): Extract<AccountEffect, { kind: K }>[] {
  return effects.filter(
    (effect): effect is Extract<AccountEffect, { kind: K }> => effect.kind === kind,
  );
}

describe('PAY-11: drawdown and projected end (pure arithmetic)', () => {
  const annual5 = { periodPrice: 5 * 16800, cycle: 'annual' as const };

  test('PAY-11: credit end-date recomputation: a 12-month credit at constant seats ends exactly 12 calendar months after it starts', () => {
    expect(exhaustedAt(yearEnd, annual5, yearEnd, 5 * 16800)).toBe(addMonths(yearEnd, 12));
    const monthly5 = { periodPrice: 5 * 1700, cycle: 'monthly' as const };
    expect(exhaustedAt(yearEnd, monthly5, yearEnd, 12 * 5 * 1700)).toBe(addMonths(yearEnd, 12));
  });

  test('PAY-11: credit end-date recomputation: the end is where drawing costs exactly the balance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom<Cycle>('monthly', 'annual'),
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        (balance, seats, cycle, offset) => {
          const terms = { periodPrice: seats * team.seatPrice[cycle], cycle };
          const from = yearEnd + offset;
          const end = exhaustedAt(yearEnd, terms, from, balance)!;
          expect(end).toBeGreaterThan(from);
          expect(drawn(yearEnd, terms, from, end)).toBe(balance);
          // One millisecond earlier something is still left.
          expect(drawn(yearEnd, terms, from, end - 1)).toBeLessThanOrEqual(balance);
        },
      ),
    );
  });

  test('PAY-11: credit end-date recomputation: fewer seats end later, more seats sooner', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.integer({ min: 1, max: 49 }),
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        (balance, seats, offset) => {
          const from = yearEnd + offset;
          const at = (n: number) =>
            exhaustedAt(yearEnd, { periodPrice: n * 16800, cycle: 'annual' }, from, balance)!;
          expect(at(seats + 1)).toBeLessThanOrEqual(at(seats));
        },
      ),
    );
  });

  test('PAY-12: refund ratio rounding: half of the remainder rounds half up, and refund + fee = remainder', () => {
    expect(refundSplit(12345, 5000)).toEqual({ refund: 6173, feeRetained: 6172 });
    expect(refundSplit(12344, 5000)).toEqual({ refund: 6172, feeRetained: 6172 });
    expect(refundSplit(1, 5000)).toEqual({ refund: 1, feeRetained: 0 });
    expect(refundSplit(3, 3333)).toEqual({ refund: 1, feeRetained: 2 });
    expect(refundSplit(10_000, 0)).toEqual({ refund: 0, feeRetained: 10_000 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (remaining, ratio) => {
          const { refund, feeRetained } = refundSplit(remaining, ratio);
          expect(refund + feeRetained).toBe(remaining);
          expect(refund).toBeGreaterThanOrEqual(0);
          expect(feeRetained).toBeGreaterThanOrEqual(0);
          // Never more than half a minor unit away from the exact share.
          expect(Math.abs(refund * 10_000 - remaining * ratio)).toBeLessThanOrEqual(5_000);
        },
      ),
    );
  });
});

describe('PAY-11: a prepaid credit on an account', () => {
  const amount = 5 * 16800; // 12 months at 5 seats

  test('PAY-11: adding a credit charges an invoice for its amount with one PAY-11 line, drawn from the next period start', () => {
    const at = paidAt + 10 * DAY_MS;
    const { state, effects } = decide(active(5), credit(amount), at);
    const [charge] = ofKind(effects, 'charge_invoice');
    expect(charge.invoice.total).toBe(amount);
    expect(charge.invoice.lines).toEqual([
      expect.objectContaining({
        clause: 'PAY-11',
        amount,
        periodStart: yearEnd,
        periodEnd: addMonths(yearEnd, 12),
      }),
    ]);
    expect(charge.idempotencyKey).toBe(`${charge.invoice.invoiceId}:charge:1`);
    const paid = settle(state, at, 'pi_credit');
    expect(paid.prepaidCredit).toMatchObject({
      creditId: charge.invoice.invoiceId,
      paymentId: 'pi_credit',
      balance: amount,
      startsAt: yearEnd,
      drawing: false,
      refundBasisPoints: 5000,
    });
    expect(viewAccount(paid, at).prepaidCredit).toMatchObject({
      amount: { amount, currency: 'EUR' },
      remaining: { amount, currency: 'EUR' },
      projectedEndAt: new Date(addMonths(yearEnd, 12)).toISOString(),
    });
  });

  test('PAY-11: a declined credit charge adds no credit', () => {
    const { state } = decide(active(5), credit(amount), paidAt + DAY_MS);
    const declined = decide(
      state,
      {
        kind: 'charge_failed',
        invoiceId: state.charge!.invoice.invoiceId,
        code: 'x',
        message: 'no',
      },
      paidAt + DAY_MS,
    ).state;
    expect(declined.prepaidCredit ?? null).toBeNull();
    expect(declined.charge).toBeNull();
    expect(declined.status).toBe('active');
  });

  test.each([
    [
      'no payment method (trial)',
      () =>
        inDailyUse(
          openAccount({ accountId: 'a', plan: team, seats: 5, cycle: 'annual', now: signupAt }),
        ),
      credit(amount),
      'PAYMENT_METHOD_REQUIRED',
    ],
    [
      'another currency',
      () => active(5),
      { kind: 'prepaid_credit_requested', request: { amount, currency: 'USD' } },
      'CURRENCY_MISMATCH',
    ],
    [
      'a credit already running',
      () => withCredit(active(5), amount, paidAt + DAY_MS),
      credit(amount),
      'PREPAID_CREDIT_ACTIVE',
    ],
    ['a zero amount', () => active(5), credit(0), 'INVALID_CREDIT'],
    ['a refund ratio above 100%', () => active(5), credit(amount, 10_001), 'INVALID_CREDIT'],
    [
      'a cancelled account',
      () => decide(active(5), { kind: 'stop_requested' }, paidAt + DAY_MS).state,
      credit(amount),
      'ACCOUNT_CLOSED',
    ],
    [
      'a lifetime-deal account',
      () =>
        openCouponAccount({
          accountId: 'c',
          plan: team,
          terms: {
            campaignId: 'k',
            codeHash: 'h',
            includedSeats: 2,
            extraSeatPrice: { amount: 3900, currency: 'EUR' },
          },
          now: signupAt,
        }),
      credit(amount),
      'PLAN_FIXED_BY_COUPON',
    ],
  ] as const)('PAY-11: a credit is refused for %s', (_name, build, input, code) => {
    const state = build();
    expect(refuse(state, input)?.code).toBe(code);
    expect(decide(state, input, paidAt + 2 * DAY_MS).effects).toEqual([]);
  });

  test('PAY-11: no credit is added while a declined renewal is being retried (PAY-13)', () => {
    let state = decide(active(5), { kind: 'deadline_reached' }, yearEnd).state;
    state = decide(
      state,
      {
        kind: 'charge_failed',
        invoiceId: state.charge!.invoice.invoiceId,
        code: 'x',
        message: 'no',
      },
      yearEnd,
    ).state;
    expect(state.dunning).not.toBeNull();
    expect(refuse(state, credit(amount))).toMatchObject({
      code: 'CHARGE_IN_PROGRESS',
      clause: 'PAY-13',
    });
  });

  test('PAY-11: while the credit lasts no renewal is charged; when it runs out a period starts at that instant and is charged', () => {
    let state = withCredit(active(5), amount, paidAt + DAY_MS);
    // The renewal at the end of the paid year starts the credit instead of charging.
    expect(nextDeadline(state)).toEqual({ at: yearEnd, action: 'renew' });
    const started = decide(state, { kind: 'deadline_reached' }, yearEnd);
    expect(ofKind(started.effects, 'charge_invoice')).toEqual([]);
    state = started.state;
    const end = addMonths(yearEnd, 12);
    expect(nextDeadline(state)).toEqual({ at: end, action: 'credit_runs_out' });
    const resumed = decide(state, { kind: 'deadline_reached' }, end);
    const [charge] = ofKind(resumed.effects, 'charge_invoice');
    expect(charge.invoice).toMatchObject({
      periodStart: end,
      periodEnd: addMonths(end, 12),
      total: 5 * 16800,
    });
    expect(resumed.state.prepaidCredit).toBeNull();
  });

  test('PAY-11: removing 2 of 5 seats 91 days into the credit moves its end from 12 months to 18 months and a day', () => {
    let state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    expect(creditEndsAt(state)).toBe(addMonths(yearEnd, 12));
    const at = yearEnd + 91 * DAY_MS;
    const quote = decideChange(state, { plan: team, seats: 3, cycle: 'annual' }, at);
    expect(quote.ok && quote.quote).toMatchObject({ kind: 'prepaid_credit', effective: 'now' });
    const changed = decide(
      state,
      { kind: 'plan_change_requested', request: { plan: team, seats: 3, cycle: 'annual' } },
      at,
    );
    expect(changed.effects).toEqual([]);
    state = changed.state;
    expect(state.seats).toBe(3);
    // 91 of the year's 365 days at 5 seats: round(84000 x 91 / 365) = 20942 drawn, 63058 left.
    expect(state.prepaidCredit).toMatchObject({ balance: 63058, balanceAt: at });
    // The rest of that year at 3 seats costs round(50400 x 274 / 365) = 37835, leaving 25223
    // for the next (366-day) year: 25223 x 366 days / 50400, rounded to the millisecond.
    const end = addMonths(yearEnd, 12) + 15_825_630_857;
    expect(creditEndsAt(state)).toBe(end);
    expect(new Date(end).toISOString().slice(0, 10)).toBe('2028-08-02');
    expect(drawn(yearEnd, drawTerms(state), at, end)).toBe(63058);
  });

  test('PAY-11: adding seats while the credit runs brings its end sooner, charging nothing', () => {
    const state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    const at = yearEnd + 30 * DAY_MS;
    const before = creditEndsAt(state)!;
    const { state: next, effects } = decide(
      state,
      { kind: 'plan_change_requested', request: { plan: team, seats: 8, cycle: 'annual' } },
      at,
    );
    expect(effects).toEqual([]);
    expect(creditEndsAt(next)!).toBeLessThan(before);
    expect(nextDeadline(next)).toEqual({ at: creditEndsAt(next), action: 'credit_runs_out' });
  });

  test('PAY-11: before the credit starts, an annual upgrade is still prorated and charged (PAY-2a), and the projection follows the seats', () => {
    const state = withCredit(active(5), amount, paidAt + DAY_MS);
    const { effects, state: next } = decide(
      state,
      { kind: 'plan_change_requested', request: { plan: team, seats: 6, cycle: 'annual' } },
      paidAt + 100 * DAY_MS,
    );
    expect(ofKind(effects, 'charge_invoice')[0].invoice.lines[0].clause).toBe('PAY-2a');
    const paid = settle(next, paidAt + 100 * DAY_MS);
    expect(creditEndsAt(paid)!).toBeLessThan(addMonths(yearEnd, 12));
  });

  test('PAY-11: a credit bought while a downgrade waits for the renewal (PAY-3) is projected, and drawn, at the lower seats', () => {
    let state = decide(
      active(5),
      { kind: 'plan_change_requested', request: { plan: team, seats: 4, cycle: 'annual' } },
      paidAt + DAY_MS,
    ).state;
    expect(state.pendingChange).toMatchObject({ seats: 4 });
    const { effects } = decide(state, credit(amount), paidAt + 2 * DAY_MS);
    // 84000 at 4 seats (67200 a year): one year, then 16800 of the next (366-day) year.
    const end = addMonths(yearEnd, 12) + Math.round((16800 * 366 * DAY_MS) / 67200);
    expect(ofKind(effects, 'charge_invoice')[0].invoice.periodEnd).toBe(end);
    state = withCredit(state, amount, paidAt + 2 * DAY_MS);
    expect(creditEndsAt(state)).toBe(end);
    state = runUntil(state, yearEnd);
    expect(state.seats).toBe(4);
    expect(state.prepaidCredit?.drawing).toBe(true);
    expect(creditEndsAt(state)).toBe(end);
  });

  test('PAY-11: a vendor suspension (TERM-1) lifted while the credit pays charges nothing to the card', () => {
    let state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    state = decide(
      state,
      { kind: 'ops_suspension_requested', reason: 'terms_breach', urgent: true },
      yearEnd + DAY_MS,
    ).state;
    expect(state.status).toBe('suspended');
    const { state: lifted, effects } = decide(
      state,
      { kind: 'ops_reactivation_requested', reason: 'resolved' },
      yearEnd + 20 * DAY_MS,
    );
    expect(lifted.status).toBe('active');
    expect(ofKind(effects, 'charge_invoice')).toEqual([]);
    expect(nextDeadline(lifted)).toEqual({
      at: addMonths(yearEnd, 12),
      action: 'credit_runs_out',
    });
  });

  test('PAY-11: a credit that runs out during a vendor suspension (TERM-1) is followed by a period from the reactivation, not from the credit end', () => {
    let state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    state = decide(
      state,
      { kind: 'ops_suspension_requested', reason: 'terms_breach', urgent: true },
      yearEnd + DAY_MS,
    ).state;
    // The credit would have run out 12 months after it started; the account is still suspended.
    const reactivatedAt = addMonths(yearEnd, 14);
    const { state: lifted, effects } = decide(
      state,
      { kind: 'ops_reactivation_requested', reason: 'resolved' },
      reactivatedAt,
    );
    expect(lifted.status).toBe('active');
    expect(lifted.prepaidCredit).toBeNull();
    const [renewal] = ofKind(effects, 'charge_invoice');
    expect(renewal).toBeDefined();
    expect(lifted.charge).toMatchObject({ anchor: reactivatedAt, periodIndex: 0 });
  });

  test('PAY-11: the cycle cannot change while a credit is running', () => {
    const state = withCredit(active(5), amount, paidAt + DAY_MS);
    expect(
      refuse(state, {
        kind: 'plan_change_requested',
        request: { plan: team, seats: 5, cycle: 'monthly' },
      }),
    ).toMatchObject({ code: 'PREPAID_CREDIT_ACTIVE', clause: 'PAY-11' });
  });
});

describe('PAY-12: cancellation with credit left', () => {
  const amount = 5 * 16800;

  test('PAY-12: stopping the account refunds half the remainder against the credit payment; refund + fee = remainder', () => {
    const state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    const at = yearEnd + 100 * DAY_MS;
    const remaining = remainingAt(state.prepaidCredit!, drawTerms(state), at);
    // 100 of 365 days drawn at 84000 a year: round(84000 x 100 / 365) = 23014.
    expect(remaining).toBe(84000 - 23014);
    const { state: stopped, effects } = decide(state, { kind: 'stop_requested' }, at);
    const [refund] = ofKind(effects, 'refund_payment');
    expect(refund).toEqual({
      kind: 'refund_payment',
      creditId: state.prepaidCredit!.creditId,
      paymentId: 'pi_credit',
      refund: { amount: 30493, currency: 'EUR' },
      feeRetained: 30493,
      remaining: 60986,
      idempotencyKey: `${state.prepaidCredit!.creditId}:refund`,
    });
    expect(ofKind(effects, 'send_email').map((e) => e.template)).toContain(
      'prepaid_credit_refunded',
    );
    expect(ofKind(effects, 'charge_invoice')).toEqual([]);
    expect(stopped.status).toBe('cancelled');
    const recorded = decide(
      stopped,
      { kind: 'credit_refunded', creditId: refund.creditId, refundId: 're_1' },
      at,
    ).state;
    expect(viewAccount(recorded, at + DAY_MS).prepaidCredit?.settlement).toEqual({
      at: new Date(at).toISOString(),
      remaining: { amount: 60986, currency: 'EUR' },
      refund: { amount: 30493, currency: 'EUR' },
      feeRetained: { amount: 30493, currency: 'EUR' },
      refundId: 're_1',
    });
  });

  test('PAY-12: a support cancellation refunds what is left when it takes effect, at the ratio agreed', () => {
    let state = active(5);
    state = settle(
      decide(state, credit(amount, 2500), paidAt + DAY_MS).state,
      paidAt + DAY_MS,
      'pi_c',
    );
    state = decide(
      state,
      { kind: 'support_cancellation_requested', holidays: [] },
      paidAt + 2 * DAY_MS,
    ).state;
    const due = nextDeadline(state)!;
    expect(due.action).toBe('cancel');
    const { effects } = decide(state, { kind: 'deadline_reached' }, due.at);
    // Not started yet: the whole credit is left; a quarter of it goes back.
    expect(ofKind(effects, 'refund_payment')[0]).toMatchObject({
      remaining: amount,
      refund: { amount: 21000, currency: 'EUR' },
      feeRetained: 63000,
    });
  });

  test('PAY-12: a termination by the vendor (TERM-1) refunds the credit left as a cancellation does', () => {
    const state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    const at = yearEnd + 100 * DAY_MS;
    const { state: ended, effects } = decide(
      state,
      { kind: 'ops_termination_requested', reason: 'terms_breach', urgent: true },
      at,
    );
    expect(ended.status).toBe('cancelled');
    expect(ofKind(effects, 'refund_payment')[0]).toMatchObject({
      remaining: 60986,
      refund: { amount: 30493, currency: 'EUR' },
      feeRetained: 30493,
    });
  });

  test('PAY-12, GDPR-2: an erasure request refunds the credit left before the account is erased', () => {
    const state = runUntil(withCredit(active(5), amount, paidAt + DAY_MS), yearEnd);
    const at = yearEnd + 100 * DAY_MS;
    const { state: erased, effects } = decide(state, { kind: 'erasure_requested' }, at);
    expect(erased.status).toBe('deleted');
    expect(ofKind(effects, 'refund_payment')[0]).toMatchObject({
      remaining: 60986,
      refund: { amount: 30493, currency: 'EUR' },
      feeRetained: 30493,
    });
    // The refund is asked for before the personal data goes.
    const kinds = effects.map((effect) => effect.kind);
    expect(kinds.indexOf('refund_payment')).toBeLessThan(kinds.indexOf('erase_account'));
  });

  test('PAY-3: without a credit, closing early refunds nothing', () => {
    const { effects } = decide(active(5), { kind: 'stop_requested' }, paidAt + DAY_MS);
    expect(ofKind(effects, 'refund_payment')).toEqual([]);
  });
});
