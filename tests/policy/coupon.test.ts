import {
  accountsToSuspendForSharedCode,
  BILLING_DETAILS_GRACE_DAYS,
  couponAccountId,
  DEFAULT_EXTRA_SEAT_PRICE,
  openCouponAccount,
  redemptionOpen,
  refuseRedemption,
  slugCandidate,
  slugify,
  type CouponTerms,
} from '../../workflows/policy/coupon';
import {
  decide,
  nextDeadline,
  reportActivity,
  viewAccount,
  type AccountState,
} from '../../workflows/policy/account';
import { missingBillingFields } from '../../workflows/policy/billing-details';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { DAY_MS } from '../../workflows/policy/periods';
import {
  calendarMonth,
  extraSeatIntervals,
  seatTimeInvoice,
} from '../../workflows/policy/seat-time';

const allInclusive: PlanTerms = {
  planId: 'all-inclusive',
  name: 'All-inclusive',
  currency: 'USD',
  seatPrice: { monthly: 3900, annual: 39000 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 100,
};
const terms: CouponTerms = {
  codeHash: 'a'.repeat(64),
  campaignId: 'appsumo-2019',
  includedSeats: 2,
  extraSeatPrice: DEFAULT_EXTRA_SEAT_PRICE,
};
const at = (iso: string) => Date.parse(iso);
const deadline = at('2019-11-30T23:59:59Z');

describe('redemption', () => {
  test.each([
    ['2019-11-30T23:59:58.000Z', true],
    ['2019-11-30T23:59:59.000Z', true],
    ['2019-11-30T23:59:59.999Z', true],
    ['2019-12-01T00:00:00.000Z', false],
    ['2020-01-01T00:00:00.000Z', false],
  ])('LTD-3: a redemption at %s is accepted: %s', (when, open) => {
    expect(redemptionOpen({ redeemBy: deadline }, at(when))).toBe(open);
    const refusal = refuseRedemption({
      campaign: { redeemBy: deadline },
      now: at(when),
      redeemedBy: null,
      ownerHolds: null,
    });
    expect(refusal?.code ?? null).toBe(open ? null : 'REDEMPTION_CLOSED');
  });

  test('LTD-2: a code that opened an account refuses a second redemption', () => {
    const refusal = refuseRedemption({
      campaign: { redeemBy: deadline },
      now: at('2019-11-01T00:00:00Z'),
      redeemedBy: 'acc_first',
      ownerHolds: null,
    });
    expect(refusal).toMatchObject({ code: 'CODE_ALREADY_REDEEMED', clause: 'LTD-2' });
  });

  test('LTD-11: an owner who already holds a coupon account cannot redeem another code', () => {
    const refusal = refuseRedemption({
      campaign: { redeemBy: deadline },
      now: at('2019-11-01T00:00:00Z'),
      redeemedBy: null,
      ownerHolds: 'acc_held',
    });
    expect(refusal).toMatchObject({ code: 'ACCOUNT_ALREADY_HAS_CODE', clause: 'LTD-11' });
  });

  test('LTD-2: of accounts sharing a code, all but the first are suspended', () => {
    expect(accountsToSuspendForSharedCode('acc_1', ['acc_2', 'acc_1', 'acc_3', 'acc_2'])).toEqual([
      'acc_2',
      'acc_3',
    ]);
    expect(accountsToSuspendForSharedCode(null, ['acc_9', 'acc_8'])).toEqual(['acc_8']);
  });

  test('LTD-1: company names become URL slugs; collisions get a numeric suffix', () => {
    expect(slugify('  Ąžuolas & Co., UAB ')).toBe('azuolas-co-uab');
    expect(slugify('!!!')).toBe('account');
    expect(slugCandidate('acme', 0)).toBe('acme');
    expect(slugCandidate('acme', 1)).toBe('acme-2');
    expect(slugCandidate('acme', 4)).toBe('acme-5');
  });

  test('LTD-2: every attempt with one code names the same account', () => {
    expect(couponAccountId('0123456789abcdef0123456789abcdef')).toBe(
      'acc_0123456789abcdef01234567',
    );
  });
});

describe('seat-time (LTD-5)', () => {
  const price = DEFAULT_EXTRA_SEAT_PRICE;

  test('LTD-5: 3 extra seats from the 10th, one removed on the 20th, in a 31-day month', () => {
    const month = calendarMonth(at('2026-12-15T00:00:00Z'));
    const invoice = seatTimeInvoice({
      invoiceId: 'inv-1',
      accountId: 'acc_1',
      monthlySeatPrice: price,
      includedSeats: 2,
      log: [
        { at: at('2026-11-20T00:00:00Z'), seats: 2 },
        { at: at('2026-12-10T00:00:00Z'), seats: 5 },
        { at: at('2026-12-20T00:00:00Z'), seats: 4 },
      ],
      month,
    })!;
    // 3 seats * 10 days / 31 * 39.00 = 37.7419… -> 37.74; 2 * 12 / 31 * 39.00 = 30.1935… -> 30.19
    expect(invoice.lines.map((line) => [line.quantity, line.amount])).toEqual([
      [3, 3774],
      [2, 3019],
    ]);
    expect(invoice.total).toBe(6793);
    expect(invoice.lines[0].clause).toBe('LTD-5');
    expect(invoice.periodStart).toBe(at('2026-12-01T00:00:00Z'));
    expect(invoice.periodEnd).toBe(at('2027-01-01T00:00:00Z'));
  });

  test('LTD-5: a change at midday counts by the millisecond, not by the day', () => {
    // February 2027 has 28 days: 1 extra seat for 1.5 days = 39.00 * 1.5 / 28 = 2.0892… -> 2.09
    const month = calendarMonth(at('2027-02-01T00:00:00Z'));
    const invoice = seatTimeInvoice({
      invoiceId: 'inv-2',
      accountId: 'acc_1',
      monthlySeatPrice: price,
      includedSeats: 2,
      log: [
        { at: at('2027-01-01T00:00:00Z'), seats: 2 },
        { at: at('2027-02-03T12:00:00Z'), seats: 3 },
        { at: at('2027-02-05T00:00:00Z'), seats: 2 },
      ],
      month,
    })!;
    expect(invoice.lines).toHaveLength(1);
    expect(invoice.lines[0].amount).toBe(209);
  });

  test('LTD-5: seats held across a month end are split at midnight UTC between months', () => {
    const log = [{ at: at('2027-01-31T18:00:00Z'), seats: 3 }];
    const january = extraSeatIntervals(log, 2, calendarMonth(at('2027-01-15T00:00:00Z')));
    const february = extraSeatIntervals(log, 2, calendarMonth(at('2027-02-15T00:00:00Z')));
    expect(january).toEqual([
      { start: at('2027-01-31T18:00:00Z'), end: at('2027-02-01T00:00:00Z'), extraSeats: 1 },
    ]);
    expect(february).toEqual([
      { start: at('2027-02-01T00:00:00Z'), end: at('2027-03-01T00:00:00Z'), extraSeats: 1 },
    ]);
    // A whole month of one extra seat costs exactly the monthly price, whatever its length.
    const invoice = seatTimeInvoice({
      invoiceId: 'inv-3',
      accountId: 'acc_1',
      monthlySeatPrice: price,
      includedSeats: 2,
      log,
      month: calendarMonth(at('2027-02-15T00:00:00Z')),
    })!;
    expect(invoice.total).toBe(3900);
  });

  test('LTD-5: each line is rounded once, half up', () => {
    // 1 seat for 1 ms of a 30-day month at 0.01 … 2,592,000,000 ms: 1/2,592,000,000 -> 0 (no line);
    // 1 seat for exactly half the month at 0.01 -> 0.005 -> 0.01.
    const month = calendarMonth(at('2026-11-10T00:00:00Z'));
    const invoice = seatTimeInvoice({
      invoiceId: 'inv-4',
      accountId: 'acc_1',
      monthlySeatPrice: { amount: 1, currency: 'USD' },
      includedSeats: 0,
      log: [
        { at: month.start, seats: 1 },
        { at: month.start + 15 * DAY_MS, seats: 0 },
      ],
      month,
    })!;
    expect(invoice.total).toBe(1);
  });

  test('LTD-9: a month without extra seats produces no invoice at all', () => {
    expect(
      seatTimeInvoice({
        invoiceId: 'inv-5',
        accountId: 'acc_1',
        monthlySeatPrice: price,
        includedSeats: 2,
        log: [
          { at: at('2026-12-01T00:00:00Z'), seats: 2 },
          { at: at('2026-12-05T00:00:00Z'), seats: 1 },
        ],
        month: calendarMonth(at('2026-12-01T00:00:00Z')),
      }),
    ).toBeNull();
  });
});

describe('billing details (LTD-7)', () => {
  const complete = {
    fullName: 'Ona Petrauskė',
    email: 'ona@example.test',
    company: 'Ąžuolas UAB',
    street: 'Gedimino pr. 1',
    city: 'Vilnius',
    postcode: 'LT-01103',
    country: 'LT',
    companyCode: '123456789',
  };

  test('LTD-7: complete details for Lithuania include the company code', () => {
    expect(missingBillingFields(complete)).toEqual([]);
    expect(missingBillingFields({ ...complete, companyCode: ' ' })).toEqual(['companyCode']);
  });

  test('LTD-7: Romania needs the fiscal code and the trade register number; the US a state', () => {
    expect(missingBillingFields({ ...complete, country: 'RO' })).toEqual(['tradeRegisterNumber']);
    expect(missingBillingFields({ ...complete, country: 'US', companyCode: null })).toEqual([
      'state',
    ]);
  });

  test('LTD-7: every base field is required', () => {
    expect(missingBillingFields({})).toEqual([
      'fullName',
      'email',
      'company',
      'street',
      'city',
      'postcode',
      'country',
    ]);
  });
});

describe('coupon account (LTD-4, LTD-6, LTD-9, LTD-10)', () => {
  const opened = at('2026-11-20T10:00:00Z');
  const open = (): AccountState =>
    openCouponAccount({ accountId: 'acc_c', plan: allInclusive, terms, now: opened });

  test('LTD-4: a redeemed account is active with the included seats, no trial and nothing charged', () => {
    const state = open();
    expect(state.status).toBe('active');
    expect(state.seats).toBe(2);
    expect(state.trialEndsAt).toBeNull();
    expect(state.billing).toBeNull();
    // The only deadline is the month end, where nothing is owed.
    expect(nextDeadline(state)).toEqual({
      at: at('2026-12-01T00:00:00Z'),
      action: 'coupon_invoice',
    });
    const monthEnd = decide(state, { kind: 'deadline_reached' }, at('2026-12-01T00:00:00Z'));
    expect(monthEnd.effects).toEqual([]);
    expect(monthEnd.state.coupon?.due).toEqual([]);
  });

  test('LTD-4, LTD-5: the account view prices a month by its extra seats only, never the plan price', () => {
    const within = viewAccount(open());
    expect(within.periodPrice).toEqual({ amount: 0, currency: 'USD' });
    const over = decide(open(), { kind: 'coupon_seats_changed', seats: 5 }, opened + DAY_MS);
    expect(viewAccount(over.state).periodPrice).toEqual({ amount: 3 * 3900, currency: 'USD' });
  });

  test('LTD-6: going over the included seats emails the owner once per episode', () => {
    let state = open();
    const templates: string[] = [];
    const change = (seats: number, when: string) => {
      const decision = decide(state, { kind: 'coupon_seats_changed', seats }, at(when));
      state = decision.state;
      for (const effect of decision.effects) {
        if (effect.kind === 'send_email') templates.push(effect.idempotencyKey);
      }
    };
    change(3, '2026-11-21T00:00:00Z');
    change(4, '2026-11-22T00:00:00Z');
    expect(templates).toEqual(['acc_c:email:seats-over:1']);
    change(2, '2026-11-23T00:00:00Z');
    change(3, '2026-11-24T00:00:00Z');
    expect(templates).toEqual(['acc_c:email:seats-over:1', 'acc_c:email:seats-over:2']);
  });

  test('LTD-9: a coupon account that never goes over is never asked for payment details', () => {
    let state = open();
    for (let month = 0; month < 14; month += 1) {
      // The account is in use, so the inactivity clock (INACT-1) stays out of the way.
      const monthEnd = nextDeadline(reportActivity(state, Date.parse('2100-01-01T00:00:00Z')))!.at;
      state = reportActivity(state, monthEnd - DAY_MS);
      const due = nextDeadline(state)!;
      const decision = decide(state, { kind: 'deadline_reached' }, due.at);
      expect(decision.effects).toEqual([]);
      state = decision.state;
    }
    expect(state.status).toBe('active');
  });

  test('LTD-10: missing details at the charge: warning, suspension after the grace period, then charge and access', () => {
    let state = decide(open(), { kind: 'coupon_seats_changed', seats: 3 }, opened).state;
    const monthEnd = at('2026-12-01T00:00:00Z');
    const closed = decide(state, { kind: 'deadline_reached' }, monthEnd);
    state = closed.state;
    expect(closed.effects.map((e) => (e.kind === 'send_email' ? e.template : e.kind))).toEqual([
      'billing_details_required',
    ]);
    expect(nextDeadline(state)).toEqual({
      at: monthEnd + BILLING_DETAILS_GRACE_DAYS * DAY_MS,
      action: 'coupon_suspend',
    });
    // Not yet: one millisecond before the grace period ends.
    expect(
      decide(state, { kind: 'deadline_reached' }, monthEnd + 7 * DAY_MS - 1).state.status,
    ).toBe('active');
    state = decide(state, { kind: 'deadline_reached' }, monthEnd + 7 * DAY_MS).state;
    expect(state.status).toBe('suspended');
    expect(state.suspensionReason).toBe('billing_details_missing');

    // Details alone do not charge; a payment method alone would not either.
    state = decide(
      state,
      { kind: 'billing_details_checked', missing: [] },
      monthEnd + 8 * DAY_MS,
    ).state;
    const attached = decide(
      state,
      { kind: 'payment_method_attached', customerId: 'cus_1', paymentMethodId: 'pm_card_visa' },
      monthEnd + 8 * DAY_MS,
    );
    const charge = attached.effects.find((e) => e.kind === 'charge_invoice');
    expect(charge?.kind === 'charge_invoice' && charge.invoice.total).toBe(
      // 1 extra seat from 2026-11-20T10:00 to 2026-12-01 in a 30-day month: 10 days 14 hours
      Math.round((3900 * (10 * 24 + 14)) / (30 * 24)),
    );
    state = attached.state;
    expect(state.status).toBe('suspended');
    const paid = decide(
      state,
      {
        kind: 'charge_succeeded',
        invoiceId: state.coupon!.charge!.invoice.invoiceId,
        paymentId: 'pi_1',
      },
      monthEnd + 8 * DAY_MS,
    );
    expect(paid.state.status).toBe('active');
    expect(paid.state.suspensionReason).toBeNull();
    expect(paid.state.coupon?.due).toEqual([]);
  });

  test('LTD-8: a coupon account accepts card or PayPal payment methods only', () => {
    const decision = decide(
      open(),
      { kind: 'payment_method_submitted', paymentMethodId: 'pm_x' },
      opened,
    );
    expect(decision.effects).toEqual([
      expect.objectContaining({ kind: 'attach_payment_method', allowedTypes: ['card', 'paypal'] }),
    ]);
  });

  test('LTD-2: a reported shared code suspends the account with reason code_abuse', () => {
    const state = decide(open(), { kind: 'code_abuse_reported' }, opened).state;
    expect(state.status).toBe('suspended');
    expect(state.suspensionReason).toBe('code_abuse');
  });
});
