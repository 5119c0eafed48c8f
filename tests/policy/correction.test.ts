import {
  decide,
  openAccount,
  refuse,
  type AccountEffect,
  type AccountState,
} from '../../workflows/policy/account';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { CORRECTION_WINDOW_DAYS } from '../../workflows/policy/correction';
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
const signupAt = Date.parse('2026-01-31T09:00:00.000Z');
const paidAt = signupAt + 2 * DAY_MS;

/** An account whose first period was charged and paid at `paidAt`. */
function invoiced(): AccountState {
  let state = inDailyUse(
    openAccount({ accountId: 'acc_1', plan, seats: 3, cycle: 'monthly', now: signupAt }),
  );
  state = decide(
    state,
    { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_1' },
    paidAt,
  ).state;
  const invoiceId = state.charge!.invoice.invoiceId;
  return decide(state, { kind: 'charge_succeeded', invoiceId, paymentId: 'pi_1' }, paidAt).state;
}

const correction = (requestedAt: number) =>
  ({ kind: 'billing_details_correction_requested', requestedAt }) as const;

describe('PAY-9 corrections', () => {
  test('PAY-9: a paid invoice starts the correction window at its issue time', () => {
    expect(invoiced().latestInvoice).toEqual({ invoiceId: 'acc_1-0001', issuedAt: paidAt });
  });

  test('PAY-9: on day 14 a correction issues a credit note and a corrected invoice, and charges nothing', () => {
    const state = invoiced();
    const at = paidAt + 14 * DAY_MS;
    expect(refuse(state, correction(at))).toBeNull();
    const decision = decide(state, correction(at), at);
    expect(decision.effects).toEqual<AccountEffect[]>([
      {
        kind: 'issue_correction',
        cancelledInvoiceId: 'acc_1-0001',
        creditNoteId: 'acc_1-CN0001',
        correctedInvoiceId: 'acc_1-0002',
        idempotencyKey: 'acc_1-CN0001:correction',
      },
      {
        kind: 'send_email',
        template: 'invoice_corrected',
        invoiceId: 'acc_1-0002',
        idempotencyKey: 'acc_1:email:acc_1-0002:corrected',
      },
    ]);
    expect(decision.effects.some((effect) => effect.kind === 'charge_invoice')).toBe(false);
    expect(decision.state.charge).toBeNull();
    // The corrected invoice is now the latest; its window still runs from the charged one.
    expect(decision.state.latestInvoice).toEqual({ invoiceId: 'acc_1-0002', issuedAt: paidAt });
    expect(decision.state.invoiceCount).toBe(2);
    expect(decision.state.creditNoteCount).toBe(1);
  });

  test('PAY-9: the window is inclusive: exactly 15 days after issue is accepted, a millisecond later is refused', () => {
    const state = invoiced();
    const closesAt = paidAt + CORRECTION_WINDOW_DAYS * DAY_MS;
    expect(refuse(state, correction(closesAt))).toBeNull();
    expect(refuse(state, correction(closesAt + 1))).toMatchObject({
      code: 'BILLING_DETAILS_WINDOW_CLOSED',
      clause: 'PAY-9',
    });
  });

  test('PAY-9: on day 16 the correction is refused with BILLING_DETAILS_WINDOW_CLOSED and nothing is issued', () => {
    const state = invoiced();
    const at = paidAt + 16 * DAY_MS;
    const refusal = refuse(state, correction(at));
    expect(refusal).toMatchObject({ code: 'BILLING_DETAILS_WINDOW_CLOSED', clause: 'PAY-9' });
    expect(refusal!.message).toContain('the next invoice carries them');
    const decision = decide(state, correction(at), at);
    expect(decision).toEqual({ state, effects: [] });
  });

  test('PAY-9: a second correction cancels the corrected invoice, but the window never moves', () => {
    const first = decide(invoiced(), correction(paidAt + DAY_MS), paidAt + DAY_MS).state;
    const second = decide(first, correction(paidAt + 2 * DAY_MS), paidAt + 2 * DAY_MS);
    expect(second.effects[0]).toMatchObject({
      kind: 'issue_correction',
      cancelledInvoiceId: 'acc_1-0002',
      creditNoteId: 'acc_1-CN0002',
      correctedInvoiceId: 'acc_1-0003',
    });
    const late = paidAt + 15 * DAY_MS + 1;
    expect(refuse(second.state, correction(late))?.code).toBe('BILLING_DETAILS_WINDOW_CLOSED');
  });

  test('PAY-9: before any invoice there is nothing to correct', () => {
    const state = openAccount({
      accountId: 'acc_1',
      plan,
      seats: 3,
      cycle: 'monthly',
      now: signupAt,
    });
    expect(refuse(state, correction(signupAt))).toMatchObject({
      code: 'NO_INVOICE_TO_CORRECT',
      clause: 'PAY-9',
    });
  });
});
