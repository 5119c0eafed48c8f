import fc from 'fast-check';
import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  type AccountEffect,
  type AccountInput,
  type AccountState,
} from '../../workflows/policy/account';
import { inDailyUse } from './in-use';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { decideChange, type PlanChangeRequest } from '../../workflows/policy/changes';
import { openCouponAccount } from '../../workflows/policy/coupon';
import { prorationLine } from '../../workflows/policy/invoice';
import { addMonths, DAY_MS, type Cycle } from '../../workflows/policy/periods';

const team: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'EUR',
  seatPrice: { monthly: 1700, annual: 16800 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const business: PlanTerms = {
  ...team,
  planId: 'business',
  name: 'Business',
  seatPrice: { monthly: 2900, annual: 27600 },
  minSeats: 2,
  maxSeats: 200,
};
const signupAt = Date.parse('2026-01-31T09:00:00.000Z');
const paidAt = signupAt + DAY_MS;

/** An account whose first period (from `paidAt`) is paid, on `cycle` with 3 Team seats. */
function active(cycle: Cycle): AccountState {
  let state = inDailyUse(
    openAccount({ accountId: 'acc_1', plan: team, seats: 3, cycle, now: signupAt }),
  );
  state = decide(
    state,
    { kind: 'payment_method_submitted', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  state = decide(
    state,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  return settle(state, paidAt).state;
}

function settle(state: AccountState, now: number) {
  return decide(
    state,
    { kind: 'charge_succeeded', invoiceId: state.charge!.invoice.invoiceId, paymentId: 'pi' },
    now,
  );
}

function change(request: PlanChangeRequest): AccountInput {
  return { kind: 'plan_change_requested', request };
}

function charges(effects: readonly AccountEffect[]) {
  return effects.filter(
    (effect): effect is Extract<AccountEffect, { kind: 'charge_invoice' }> =>
      effect.kind === 'charge_invoice',
  );
}

/** Runs the renewal deadline of `state` and returns the renewal invoice. */
function renewal(state: AccountState) {
  const at = nextDeadline(state)!.at;
  const [charge] = charges(decide(state, { kind: 'deadline_reached' }, at).effects);
  return charge.invoice;
}

describe('plan changes', () => {
  test('PAY-2a: an annual upgrade charges the prorated difference now, on its own invoice', () => {
    const state = active('annual');
    const periodEnd = addMonths(paidAt, 12);
    const at = paidAt + 100 * DAY_MS;
    const { state: next, effects } = decide(
      state,
      change({ plan: team, seats: 5, cycle: 'annual' }),
      at,
    );
    const [charge] = charges(effects);
    // (5 - 3) seats x 168.00 EUR over the remaining part of the year, rounded once.
    const remaining = periodEnd - at;
    const length = periodEnd - paidAt;
    const expected = Math.floor((2 * 16800 * remaining) / length + 0.5);
    expect(charge.invoice.total).toBe(expected);
    expect(charge.invoice.invoiceId).toBe('acc_1-0002');
    expect(charge.invoice.lines).toHaveLength(1);
    expect(charge.invoice.lines[0]).toMatchObject({
      clause: 'PAY-2a',
      amount: expected,
      periodStart: at,
      periodEnd,
      formula: `(84000 - 50400) * ${remaining} ms / ${length} ms = ${expected} (rounded half up)`,
    });
    // The new terms apply once paid; the next renewal is at the new price.
    expect(next.seats).toBe(3);
    const upgraded = settle(next, at).state;
    expect(upgraded.seats).toBe(5);
    expect(upgraded.billing).toEqual(state.billing);
    const renewed = renewal(upgraded);
    expect(renewed.total).toBe(5 * 16800);
    expect(renewed.periodStart).toBe(periodEnd);
  });

  test('PAY-2a: the proration is rounded half up exactly once', () => {
    const line = prorationLine({
      oldPrice: { amount: 0, currency: 'EUR' },
      newPrice: { amount: 3, currency: 'EUR' },
      period: { start: 0, end: 2 },
      now: 1,
      description: 'half',
    });
    expect(line.amount).toBe(2);
  });

  test('PAY-2a: a declined proration charge refuses the change and suspends nothing', () => {
    const state = active('annual');
    const at = paidAt + 10 * DAY_MS;
    const pending = decide(state, change({ plan: business, seats: 3, cycle: 'annual' }), at).state;
    const failed = decide(
      pending,
      {
        kind: 'charge_failed',
        invoiceId: pending.charge!.invoice.invoiceId,
        code: 'CARD_DECLINED',
        message: 'no',
      },
      at,
    ).state;
    expect(failed.status).toBe('active');
    expect(failed.plan.planId).toBe('team');
    expect(failed.charge).toBeNull();
    expect(failed.dunning).toBeNull();
  });

  test('PAY-2b: a monthly upgrade charges nothing now; the next renewal is at the new price', () => {
    const state = active('monthly');
    const at = paidAt + 10 * DAY_MS;
    const decision = decideChange(state, { plan: business, seats: 4, cycle: 'monthly' }, at);
    expect(decision).toMatchObject({
      ok: true,
      quote: {
        kind: 'upgrade_next_renewal',
        clause: 'PAY-2b',
        chargeNow: { amount: 0, currency: 'EUR' },
        nextInvoice: {
          at: new Date(addMonths(paidAt, 1)).toISOString(),
          amount: { amount: 4 * 2900, currency: 'EUR' },
        },
      },
    });
    const { state: next, effects } = decide(
      state,
      change({ plan: business, seats: 4, cycle: 'monthly' }),
      at,
    );
    expect(effects).toEqual([]);
    expect(next.plan.planId).toBe('business');
    expect(renewal(next).total).toBe(4 * 2900);
  });

  test('PAY-3: a downgrade refunds nothing and lowers the price from the next renewal', () => {
    const state = active('annual');
    const at = paidAt + 30 * DAY_MS;
    const { state: next, effects } = decide(
      state,
      change({ plan: team, seats: 2, cycle: 'annual' }),
      at,
    );
    expect(effects).toEqual([]);
    expect(next.seats).toBe(3);
    expect(next.pendingChange).toEqual({ plan: team, seats: 2, cycle: 'annual' });
    const renewed = renewal(next);
    expect(renewed.total).toBe(2 * 16800);
    expect(renewed.lines[0].clause).toBe('PAY-1d');
  });

  test('PAY-3: monthly to annual starts a new annual period now, charged in full, the rest of the month not credited', () => {
    const state = active('monthly');
    const at = paidAt + 12 * DAY_MS;
    const decision = decideChange(state, { plan: team, seats: 3, cycle: 'annual' }, at);
    expect(decision).toMatchObject({
      ok: true,
      quote: { kind: 'switch_to_annual', chargeNow: { amount: 3 * 16800 } },
    });
    const { state: next, effects } = decide(
      state,
      change({ plan: team, seats: 3, cycle: 'annual' }),
      at,
    );
    const [charge] = charges(effects);
    expect(charge.invoice.total).toBe(3 * 16800);
    expect(charge.invoice.periodStart).toBe(at);
    expect(charge.invoice.periodEnd).toBe(addMonths(at, 12));
    const switched = settle(next, at).state;
    expect(switched.cycle).toBe('annual');
    expect(switched.billing).toEqual({ anchor: at, periodIndex: 0 });
    expect(nextDeadline(switched)).toEqual({ at: addMonths(at, 12), action: 'renew' });
  });

  test('PAY-3: annual to monthly takes effect when the prepaid year ends, with monthly periods from then', () => {
    const state = active('annual');
    const at = paidAt + 50 * DAY_MS;
    const next = decide(state, change({ plan: team, seats: 3, cycle: 'monthly' }), at).state;
    expect(next.cycle).toBe('annual');
    const yearEnd = addMonths(paidAt, 12);
    const renewed = renewal(next);
    expect(renewed.total).toBe(3 * 1700);
    expect(renewed.periodStart).toBe(yearEnd);
    expect(renewed.periodEnd).toBe(addMonths(yearEnd, 1));
    expect(renewed.lines[0].clause).toBe('PAY-1d');
    const paidRenewal = settle(decide(next, { kind: 'deadline_reached' }, yearEnd).state, yearEnd);
    expect(paidRenewal.state.cycle).toBe('monthly');
    expect(nextDeadline(paidRenewal.state)?.at).toBe(addMonths(yearEnd, 1));
  });

  test('PAY-4: seats below the seats in use need a confirmation naming what is lost', () => {
    let state = active('monthly');
    state = decide(state, { kind: 'seats_in_use_reported', seatsInUse: 3 }, paidAt).state;
    const request = { plan: team, seats: 1, cycle: 'monthly' as const };
    const refusal = refuse(state, change(request));
    expect(refusal).toMatchObject({ code: 'CONFIRMATION_REQUIRED', clause: 'PAY-4' });
    expect(refusal!.message).toContain('removes 2 of the 3 agent seats in use');
    expect(refusal!.message).toContain('confirmSeatsRemoved = 2');
    expect(refuse(state, change({ ...request, confirmSeatsRemoved: 1 }))?.code).toBe(
      'CONFIRMATION_REQUIRED',
    );
    expect(refuse(state, change({ ...request, confirmSeatsRemoved: 2 }))).toBeNull();
    expect(refuse(state, change({ ...request, seats: 3 }))?.code).toBe('NO_CHANGE');
  });

  test('PAY-2a: seats outside the plan limits are refused', () => {
    const state = active('monthly');
    expect(refuse(state, change({ plan: business, seats: 1, cycle: 'monthly' }))?.code).toBe(
      'SEATS_OUT_OF_RANGE',
    );
    expect(refuse(state, change({ plan: team, seats: 51, cycle: 'monthly' }))?.code).toBe(
      'SEATS_OUT_OF_RANGE',
    );
  });

  test('PAY-2a: a lifetime-deal account cannot change its plan (LTD-4)', () => {
    const coupon = openCouponAccount({
      accountId: 'acc_c',
      plan: { ...business, planId: 'all-inclusive' },
      terms: {
        codeHash: 'a'.repeat(64),
        campaignId: 'appsumo-2019',
        includedSeats: 2,
        extraSeatPrice: { amount: 3900, currency: 'EUR' },
      },
      now: paidAt,
    });
    expect(refuse(coupon, change({ plan: business, seats: 5, cycle: 'monthly' }))).toMatchObject({
      code: 'PLAN_FIXED_BY_COUPON',
      clause: 'LTD-4',
    });
  });

  test('PAY-13: a suspended account cannot change plans', () => {
    const state: AccountState = {
      ...active('monthly'),
      status: 'suspended',
      suspensionReason: 'payment_failed',
    };
    expect(refuse(state, change({ plan: business, seats: 3, cycle: 'monthly' }))?.code).toBe(
      'ACCOUNT_SUSPENDED',
    );
  });
});

describe('money invariants (property-based)', () => {
  const seats = fc.integer({ min: 1, max: 50 });
  const offset = fc.integer({ min: 0, max: 365 * DAY_MS });

  test('PAY-2a: a proration never exceeds the full-period difference nor goes below zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 400 * DAY_MS }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (oldAmount, newAmount, length, fraction) => {
          const now = Math.floor(length * fraction);
          const line = prorationLine({
            oldPrice: { amount: oldAmount, currency: 'EUR' },
            newPrice: { amount: newAmount, currency: 'EUR' },
            period: { start: 0, end: length },
            now,
            description: 'p',
          });
          expect(line.amount).toBeGreaterThanOrEqual(0);
          expect(line.amount).toBeLessThanOrEqual(Math.max(0, newAmount - oldAmount));
          expect(Number.isSafeInteger(line.amount)).toBe(true);
        },
      ),
    );
  });

  test('PAY-2a: every invoice total is the sum of its lines', () => {
    fc.assert(
      fc.property(seats, seats, offset, (from, to, at) => {
        const state = { ...active('annual'), seats: from };
        const { effects } = decide(
          state,
          change({ plan: team, seats: to, cycle: 'annual' }),
          paidAt + at,
        );
        for (const { invoice } of charges(effects)) {
          const sum = invoice.lines.reduce((total, line) => total + line.amount, 0);
          expect(invoice.subtotal).toBe(sum);
          expect(invoice.total).toBe(invoice.subtotal + invoice.tax);
        }
      }),
    );
  });

  test('PAY-3: an upgrade then a downgrade in the same period never refunds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Cycle>('monthly', 'annual'),
        seats,
        seats,
        fc.integer({ min: 0, max: 27 * DAY_MS }),
        (cycle, up, down, at) => {
          let state = active(cycle);
          const now = paidAt + at;
          const upgrade = decide(state, change({ plan: business, seats: up + 1, cycle }), now);
          state = upgrade.state.charge ? settle(upgrade.state, now).state : upgrade.state;
          const downgrade = decide(
            state,
            change({ plan: team, seats: Math.min(down, up + 1), cycle }),
            now + DAY_MS,
          );
          for (const effect of [...upgrade.effects, ...downgrade.effects]) {
            if (effect.kind === 'charge_invoice') {
              expect(effect.invoice.total).toBeGreaterThanOrEqual(0);
              for (const line of effect.invoice.lines)
                expect(line.amount).toBeGreaterThanOrEqual(0);
            }
          }
          expect(charges(downgrade.effects)).toEqual([]);
        },
      ),
    );
  });
});
