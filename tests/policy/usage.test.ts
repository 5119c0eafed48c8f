import {
  decide,
  nextDeadline,
  openAccount,
  resumeState,
  viewAccount,
  type AccountEffect,
  type AccountState,
} from '../../workflows/policy/account';
import { inDailyUse } from './in-use';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { DAY_MS } from '../../workflows/policy/periods';

const team: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'EUR',
  seatPrice: { monthly: 1700, annual: 16800 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};
const paidAt = Date.parse('2026-05-04T12:00:00.000Z');
const settings = {
  enterpriseThresholds: { endUsers: 500, ticketsPerAgent: 300 },
  sharedLoginSurcharge: { USD: 4900, EUR: 4500 },
};

function active(): AccountState {
  let state = inDailyUse(
    openAccount({
      accountId: 'acc_1',
      plan: team,
      seats: 2,
      cycle: 'monthly',
      now: paidAt - DAY_MS,
      settings,
    }),
  );
  state = decide(
    state,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  const id = state.charge!.invoice.invoiceId;
  return decide(state, { kind: 'charge_succeeded', invoiceId: id, paymentId: 'pi' }, paidAt).state;
}

function renewalInvoice(state: AccountState) {
  const at = nextDeadline(state)!.at;
  const charge = decide(state, { kind: 'deadline_reached' }, at).effects.find(
    (e): e is Extract<AccountEffect, { kind: 'charge_invoice' }> => e.kind === 'charge_invoice',
  )!;
  return charge.invoice;
}

describe('usage and logins', () => {
  test('PAY-6: usage above a configured threshold flags the account for ops and changes nothing else', () => {
    const state = active();
    const below = decide(
      state,
      { kind: 'usage_reported', endUsers: 500, ticketsPerAgent: 300 },
      paidAt,
    );
    expect(below.state.enterpriseReview).toBeNull();
    const above = decide(
      state,
      { kind: 'usage_reported', endUsers: 501, ticketsPerAgent: 10 },
      paidAt,
    );
    expect(above.effects).toEqual([]);
    expect(viewAccount(above.state).enterpriseReview).toEqual({
      flaggedAt: new Date(paidAt).toISOString(),
      reason: '501 end users (over 500)',
    });
    expect(above.state.plan).toEqual(state.plan);
    expect(renewalInvoice(above.state).total).toBe(renewalInvoice(state).total);
  });

  test('ACCT-2: a shared login adds the configured surcharge line to the next invoice and emails the owner', () => {
    const state = active();
    const detected = decide(state, { kind: 'shared_login_detected' }, paidAt + DAY_MS);
    expect(detected.effects).toEqual([
      expect.objectContaining({
        kind: 'send_email',
        template: 'shared_login_surcharge',
        amount: { amount: 4500, currency: 'EUR' },
      }),
    ]);
    // Detected again before the invoice: still one surcharge, no second email.
    const again = decide(detected.state, { kind: 'shared_login_detected' }, paidAt + 2 * DAY_MS);
    expect(again.effects).toEqual([]);
    const invoice = renewalInvoice(again.state);
    expect(invoice.lines).toHaveLength(2);
    expect(invoice.lines[1]).toMatchObject({ clause: 'ACCT-2', amount: 4500 });
    expect(invoice.total).toBe(2 * 1700 + 4500);
    expect(invoice.total).toBe(invoice.lines.reduce((sum, line) => sum + line.amount, 0));
    // The surcharge is on one invoice only.
    const at = nextDeadline(again.state)!.at;
    const renewed = decide(again.state, { kind: 'deadline_reached' }, at).state;
    expect(renewed.sharedLogin).toBeNull();
  });

  test('PAY-13: a state carried over from a run before dunning and changes existed resumes with neutral values', () => {
    const current = active();
    // What a run of the previous version carried: none of the fields added since.
    const older: Record<string, unknown> = { ...current };
    for (const added of [
      'dunning',
      'pendingChange',
      'seatsInUse',
      'settings',
      'enterpriseReview',
      'sharedLogin',
      'scheduledPrices',
      'priceChangeIds',
    ]) {
      delete older[added];
    }
    const resumed = resumeState(older as unknown as AccountState);
    expect(resumed.scheduledPrices).toEqual([]);
    expect(resumed.dunning).toBeNull();
    expect(resumed.seatsInUse).toBe(0);
    expect(renewalInvoice(resumed).total).toBe(renewalInvoice(current).total);
  });
});
