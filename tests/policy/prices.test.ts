import {
  decide,
  nextDeadline,
  openAccount,
  type AccountEffect,
  type AccountInput,
  type AccountState,
} from '../../workflows/policy/account';
import { inDailyUse } from './in-use';
import type { PlanTerms } from '../../workflows/policy/catalog';
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
const paidAt = Date.parse('2026-03-10T08:00:00.000Z');

function active(cycle: Cycle): AccountState {
  let state = inDailyUse(
    openAccount({
      accountId: 'acc_1',
      plan: team,
      seats: 2,
      cycle,
      now: paidAt - DAY_MS,
    }),
  );
  state = decide(
    state,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  return paid(state, paidAt);
}

function paid(state: AccountState, now: number): AccountState {
  const id = state.charge!.invoice.invoiceId;
  return decide(state, { kind: 'charge_succeeded', invoiceId: id, paymentId: 'pi' }, now).state;
}

const announce = (changeId = 'pc_1', planId = 'team'): AccountInput => ({
  kind: 'price_change_announced',
  changeId,
  planId,
  currency: 'EUR',
  seatPrice: { monthly: 2000, annual: 20000 },
});

/** Renews at each deadline until `until`, paying every charge; returns the invoices' totals. */
function renewUntil(state: AccountState, until: number): { state: AccountState; totals: number[] } {
  const totals: number[] = [];
  for (;;) {
    const due = nextDeadline(state);
    if (!due || due.at > until) return { state, totals };
    const decision = decide(state, { kind: 'deadline_reached' }, due.at);
    const charge = decision.effects.find(
      (e): e is Extract<AccountEffect, { kind: 'charge_invoice' }> => e.kind === 'charge_invoice',
    )!;
    totals.push(charge.invoice.total);
    state = paid(decision.state, due.at);
  }
}

describe('price changes', () => {
  test('PAY-5: the owner is emailed a notice naming the new price and the first renewal 30 days on', () => {
    const noticeAt = paidAt + 5 * DAY_MS;
    const { effects } = decide(active('monthly'), announce(), noticeAt);
    // Renewals fall on the 10th: April 10 is 26 days after the notice, May 10 is the first one
    // at least 30 days after it.
    expect(effects).toEqual([
      expect.objectContaining({
        kind: 'send_email',
        template: 'price_change_notice',
        effectiveAt: addMonths(paidAt, 2),
        amount: { amount: 4000, currency: 'EUR' },
      }),
    ]);
  });

  test('PAY-5: the new price applies only from the first renewal at least 30 days after the notice', () => {
    const noticeAt = paidAt + 5 * DAY_MS;
    const announced = decide(active('monthly'), announce(), noticeAt).state;
    const { totals } = renewUntil(announced, addMonths(paidAt, 3));
    expect(totals).toEqual([2 * 1700, 2 * 2000, 2 * 2000]);
  });

  test('PAY-5: a renewal exactly 30 days after the notice already has the new price', () => {
    const noticeAt = addMonths(paidAt, 1) - 30 * DAY_MS;
    const announced = decide(active('monthly'), announce(), noticeAt).state;
    const { totals } = renewUntil(announced, addMonths(paidAt, 1));
    expect(totals).toEqual([2 * 2000]);
  });

  test('PAY-5: an annual account pays the new price from its next yearly renewal', () => {
    const announced = decide(active('annual'), announce(), paidAt + 300 * DAY_MS).state;
    const { totals } = renewUntil(announced, addMonths(paidAt, 24));
    expect(totals).toEqual([2 * 20000, 2 * 20000]);
  });

  test('PAY-5: other plans and repeated announcements change nothing and send nothing', () => {
    const state = active('monthly');
    const other = decide(state, announce('pc_2', 'business'), paidAt + DAY_MS);
    expect(other.effects).toEqual([]);
    expect(other.state.scheduledPrices).toEqual([]);
    const once = decide(state, announce(), paidAt + DAY_MS).state;
    const twice = decide(once, announce(), paidAt + 2 * DAY_MS);
    expect(twice.effects).toEqual([]);
    expect(twice.state.scheduledPrices).toHaveLength(1);
    expect(twice.state.scheduledPrices[0].noticeAt).toBe(paidAt + DAY_MS);
  });
});
