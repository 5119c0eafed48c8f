/**
 * Lifetime-deal coupons (LTD-1 … LTD-11) as pure functions: who may redeem a code, the slug of
 * a redeemed account, and the coupon part of an account's life (extra seats billed by
 * seat-time in arrears, billing details at the first charge, suspension for a shared code).
 *
 * `decide()` in ./account.ts hands coupon inputs and deadlines to the functions here; the
 * account state carries an optional `coupon` section, null for ordinary accounts.
 */
import type {
  AccountEffect,
  AccountState,
  Deadline,
  Decision,
  EmailTemplate,
  Refusal,
} from './account';
import { openAccount } from './account';
import type { PlanTerms } from './catalog';
import { invoiceId, type InvoiceDraft } from './invoice';
import { money, type Money } from './money';
import { addDays, type Period } from './periods';
import { calendarMonth, seatTimeInvoice, type SeatChange } from './seat-time';

/** LTD-5: the regular price of one extra user, per month, when a campaign does not say. */
export const DEFAULT_EXTRA_SEAT_PRICE: Money = money(3900, 'USD');
/** LTD-4: the owner plus one agent or admin. */
export const DEFAULT_INCLUDED_SEATS = 2;
/** LTD-8: extra seats are paid by card or PayPal, through the payment processor. */
export const COUPON_PAYMENT_METHOD_TYPES: readonly string[] = ['card', 'paypal'];
/** LTD-10: how long billing details may be missing after the charge is due, after a warning. */
export const BILLING_DETAILS_GRACE_DAYS = 7;

/** A campaign's terms as the coupon workflow holds them. */
export interface CampaignTerms {
  readonly campaignId: string;
  readonly plan: PlanTerms;
  readonly includedSeats: number;
  readonly extraSeatPrice: Money;
  /** The last second (epoch ms at a whole second) in which a redemption is accepted (LTD-3). */
  readonly redeemBy: number;
}

export type CouponRefusalCode =
  | 'CODE_ALREADY_REDEEMED'
  | 'REDEMPTION_CLOSED'
  | 'ACCOUNT_ALREADY_HAS_CODE'
  | 'NOT_A_COUPON_ACCOUNT'
  | 'SEATS_OUT_OF_RANGE';

export interface CouponRefusal {
  readonly code: CouponRefusalCode;
  readonly message: string;
  readonly clause?: string;
}

/**
 * LTD-3: open up to and including the whole last second `redeemBy` names
 * (2019-11-30T23:59:59 accepts 23:59:59.999, refuses 2019-12-01T00:00:00).
 */
export function redemptionOpen(campaign: Pick<CampaignTerms, 'redeemBy'>, now: number): boolean {
  return Math.floor(now / 1000) <= Math.floor(campaign.redeemBy / 1000);
}

/** Why a redemption is refused, in this order: LTD-2, LTD-3, LTD-11; null when it may go ahead. */
export function refuseRedemption(args: {
  readonly campaign: Pick<CampaignTerms, 'redeemBy'>;
  readonly now: number;
  /** The account the code already opened, if any. */
  readonly redeemedBy: string | null;
  /** The coupon account the same owner already holds, if any. */
  readonly ownerHolds: string | null;
}): CouponRefusal | null {
  if (args.redeemedBy !== null) {
    return {
      code: 'CODE_ALREADY_REDEEMED',
      message: 'This code has already been redeemed; each code opens one account.',
      clause: 'LTD-2',
    };
  }
  if (!redemptionOpen(args.campaign, args.now)) {
    return {
      code: 'REDEMPTION_CLOSED',
      message: `Codes of this deal had to be redeemed by ${new Date(args.campaign.redeemBy).toISOString()}.`,
      clause: 'LTD-3',
    };
  }
  if (args.ownerHolds !== null) {
    return {
      code: 'ACCOUNT_ALREADY_HAS_CODE',
      message: 'This owner already holds an account with a code; codes do not stack.',
      clause: 'LTD-11',
    };
  }
  return null;
}

/** The account a code opens: derived from the code's hash, so every attempt names the same one. */
export function couponAccountId(codeHash: string): string {
  return `acc_${codeHash.slice(0, 24)}`;
}

/** LTD-1: the URL-safe base of an account slug from a company name. */
export function slugify(company: string): string {
  const slug = company
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug === '' ? 'account' : slug;
}

/** The `attempt`-th candidate (0-based): `acme`, `acme-2`, `acme-3`, … (collisions never refuse). */
export function slugCandidate(base: string, attempt: number): string {
  return attempt === 0 ? base : `${base}-${attempt + 1}`;
}

/**
 * LTD-2: of the accounts found to share one code, every one but the first is suspended. The
 * first is the account the code opened here; if it opened none, the first one reported.
 */
export function accountsToSuspendForSharedCode(
  redeemedBy: string | null,
  reported: readonly string[],
): string[] {
  const unique = [...new Set(reported)];
  const first = redeemedBy ?? unique[0] ?? null;
  return unique.filter((accountId) => accountId !== first);
}

// ---------------------------------------------------------------------------------------------
// The coupon section of an account.

export interface CouponTerms {
  readonly codeHash: string;
  readonly campaignId: string;
  readonly includedSeats: number;
  readonly extraSeatPrice: Money;
}

export interface CouponState {
  readonly terms: CouponTerms;
  /** The calendar month whose seat-time is being accrued. */
  readonly month: Period;
  /** Seats in use from each change on, within `month` (the first entry holds at its start). */
  readonly seatLog: readonly SeatChange[];
  /** LTD-6: above the included seats now (an email went out when this became true). */
  readonly overIncluded: boolean;
  readonly overEpisodes: number;
  /** LTD-7: the billing details in Postgres were last found complete. */
  readonly billingDetailsComplete: boolean;
  /** Extra-seat invoices issued and not yet paid, oldest first. */
  readonly due: readonly InvoiceDraft[];
  /** When the oldest unpaid invoice fell due; the grace period of LTD-10 runs from here. */
  readonly dueSince: number | null;
  /** Charge attempts so far for `due[0]`. */
  readonly attempts: number;
  readonly charge: { readonly invoice: InvoiceDraft; readonly attempt: number } | null;
}

export type CouponInput =
  | { readonly kind: 'coupon_seats_changed'; readonly seats: number }
  | { readonly kind: 'billing_details_checked'; readonly missing: readonly string[] }
  | { readonly kind: 'code_abuse_reported' };

export type CouponDeadlineAction = 'coupon_invoice' | 'coupon_suspend';

/** LTD-4: a redeemed account is active on the campaign's plan, no trial, nothing recurring. */
export function openCouponAccount(args: {
  readonly accountId: string;
  readonly plan: PlanTerms;
  readonly terms: CouponTerms;
  readonly now: number;
}): AccountState {
  const base = openAccount({
    accountId: args.accountId,
    plan: args.plan,
    seats: args.terms.includedSeats,
    cycle: 'monthly',
    now: args.now,
  });
  return {
    ...base,
    status: 'active',
    trialEndsAt: null,
    coupon: {
      terms: args.terms,
      month: calendarMonth(args.now),
      seatLog: [{ at: args.now, seats: args.terms.includedSeats }],
      overIncluded: false,
      overEpisodes: 0,
      billingDetailsComplete: false,
      due: [],
      dueSince: null,
      attempts: 0,
      charge: null,
    },
  };
}

/** The next moment a coupon account changes by itself. */
export function couponDeadline(state: AccountState): Deadline | null {
  const coupon = state.coupon;
  if (!coupon || state.status === 'cancelled' || state.charge || coupon.charge) return null;
  const candidates: Deadline[] = [];
  if (state.pendingCancellation) {
    candidates.push({ at: state.pendingCancellation.effectiveAt, action: 'cancel' });
  }
  if (coupon.due.length > 0 && coupon.dueSince !== null && state.status !== 'suspended') {
    candidates.push({
      at: addDays(coupon.dueSince, BILLING_DETAILS_GRACE_DAYS),
      action: 'coupon_suspend',
    });
  }
  candidates.push({ at: coupon.month.end, action: 'coupon_invoice' });
  return candidates.reduce((earliest, next) => (next.at < earliest.at ? next : earliest));
}

export function refuseCoupon(state: AccountState, input: CouponInput): Refusal | null {
  if (!state.coupon) {
    return {
      code: 'NOT_A_COUPON_ACCOUNT',
      message: 'This account was not opened with a lifetime-deal code.',
    };
  }
  if (state.status === 'cancelled') {
    return {
      code: 'ACCOUNT_CLOSED',
      message: 'The account is cancelled; nothing more can be changed or charged.',
      clause: 'CAN-2',
    };
  }
  if (
    input.kind === 'coupon_seats_changed' &&
    (!Number.isSafeInteger(input.seats) || input.seats < 1 || input.seats > state.plan.maxSeats)
  ) {
    return {
      code: 'SEATS_OUT_OF_RANGE',
      message: `Plan "${state.plan.planId}" allows 1 to ${state.plan.maxSeats} seats.`,
    };
  }
  return null;
}

export function decideCoupon(state: AccountState, input: CouponInput, now: number): Decision {
  const coupon = state.coupon;
  if (!coupon || refuseCoupon(state, input)) return { state, effects: [] };
  switch (input.kind) {
    case 'coupon_seats_changed':
      return onSeatsChanged(state, coupon, input.seats, now);
    case 'billing_details_checked':
      return tryCharge(
        withCoupon(state, { ...coupon, billingDetailsComplete: input.missing.length === 0 }),
        [],
      );
    case 'code_abuse_reported':
      if (state.status === 'suspended' && state.suspensionReason === 'code_abuse') {
        return { state, effects: [] };
      }
      // LTD-2: an account sharing another account's code loses access.
      return {
        state: { ...state, status: 'suspended', suspensionReason: 'code_abuse' },
        effects: [email(state, 'code_abuse_suspended', 'code-abuse')],
      };
  }
}

function onSeatsChanged(
  state: AccountState,
  coupon: CouponState,
  seats: number,
  now: number,
): Decision {
  const over = seats > coupon.terms.includedSeats;
  const episodes = over && !coupon.overIncluded ? coupon.overEpisodes + 1 : coupon.overEpisodes;
  const next = withCoupon(
    { ...state, seats },
    {
      ...coupon,
      seatLog: [...coupon.seatLog, { at: now, seats }],
      overIncluded: over,
      overEpisodes: episodes,
    },
  );
  // LTD-6: the owner hears about it each time the account goes over the included seats.
  const effects: AccountEffect[] =
    over && !coupon.overIncluded
      ? [email(state, 'seats_over_included', `seats-over:${episodes}`)]
      : [];
  return { state: next, effects };
}

/** The coupon deadline that is due at `now`, applied; null if it is not a coupon deadline. */
export function onCouponDeadline(state: AccountState, due: Deadline, now: number): Decision {
  const coupon = state.coupon;
  if (!coupon) return { state, effects: [] };
  if (due.action === 'coupon_suspend') {
    // LTD-10: still no billing details or payment method after the warning and grace period.
    return {
      state: { ...state, status: 'suspended', suspensionReason: 'billing_details_missing' },
      effects: [
        email(
          state,
          'billing_details_suspended',
          `billing-details-suspended:${coupon.due[0]?.invoiceId ?? ''}`,
        ),
      ],
    };
  }
  return closeMonths(state, coupon, now);
}

/** LTD-5: every month that has ended is invoiced in arrears by seat-time. */
function closeMonths(state: AccountState, coupon: CouponState, now: number): Decision {
  let current = state;
  let month = coupon.month;
  let log = coupon.seatLog;
  const due = [...coupon.due];
  let dueSince = coupon.dueSince;
  while (month.end <= now) {
    const sequence = current.invoiceCount + 1;
    const invoice = seatTimeInvoice({
      invoiceId: invoiceId(state.accountId, sequence),
      accountId: state.accountId,
      monthlySeatPrice: coupon.terms.extraSeatPrice,
      includedSeats: coupon.terms.includedSeats,
      log,
      month,
    });
    if (invoice) {
      // LTD-9: only a month with extra seats produces an invoice at all.
      current = { ...current, invoiceCount: sequence };
      due.push(invoice);
      dueSince ??= month.end;
    }
    month = calendarMonth(month.end);
    log = [{ at: month.start, seats: state.seats }];
  }
  const next = withCoupon(current, { ...coupon, month, seatLog: log, due, dueSince });
  const newlyDue = due.slice(coupon.due.length);
  const warnings = newlyDue.map((invoice) =>
    email(state, 'billing_details_required', `billing-details-required:${invoice.invoiceId}`),
  );
  return tryCharge(next, warnings, true);
}

/**
 * LTD-7/8/10: charges the oldest unpaid invoice when billing details are complete and a
 * payment method is attached; otherwise asks the owner (only for newly due invoices).
 */
function tryCharge(
  state: AccountState,
  warnings: readonly AccountEffect[],
  warn = false,
): Decision {
  const coupon = state.coupon!;
  const invoice = coupon.due[0];
  const method = state.paymentMethod;
  if (!invoice || coupon.charge || state.charge) return { state, effects: [] };
  if (!coupon.billingDetailsComplete || !method) {
    return { state, effects: warn ? warnings : [] };
  }
  const attempt = coupon.attempts + 1;
  return {
    state: withCoupon(state, { ...coupon, attempts: attempt, charge: { invoice, attempt } }),
    effects: [
      {
        kind: 'charge_invoice',
        invoice,
        customerId: method.customerId,
        paymentMethodId: method.paymentMethodId,
        idempotencyKey: `${invoice.invoiceId}:charge:${attempt}`,
      },
    ],
  };
}

export function onCouponPaymentMethodAttached(
  state: AccountState,
  input: { readonly customerId: string; readonly paymentMethodId: string },
): Decision {
  return tryCharge(
    {
      ...state,
      paymentMethod: { customerId: input.customerId, paymentMethodId: input.paymentMethodId },
    },
    [],
  );
}

/** Whether a charge outcome is about the coupon's extra-seat invoice. */
export function isCouponCharge(state: AccountState, invoiceIdValue: string): boolean {
  return state.coupon?.charge?.invoice.invoiceId === invoiceIdValue;
}

export function onCouponChargeSucceeded(state: AccountState, id: string): Decision {
  const coupon = state.coupon!;
  const due = coupon.due.slice(1);
  const suspendedForDetails =
    state.status === 'suspended' && state.suspensionReason === 'billing_details_missing';
  const next = withCoupon(
    {
      ...state,
      // LTD-10: access returns once what was due is paid.
      ...(suspendedForDetails && due.length === 0
        ? { status: 'active' as const, suspensionReason: null }
        : {}),
    },
    {
      ...coupon,
      due,
      dueSince: due[0]?.periodEnd ?? null,
      attempts: 0,
      charge: null,
    },
  );
  const receipt: AccountEffect = { ...email(state, 'receipt', `${id}:receipt`), invoiceId: id };
  const more = tryCharge(next, []);
  return { state: more.state, effects: [receipt, ...more.effects] };
}

export function onCouponChargeFailed(state: AccountState, id: string): Decision {
  const coupon = state.coupon!;
  return {
    state: withCoupon({ ...state, paymentMethod: null }, { ...coupon, charge: null }),
    effects: [
      email(state, 'payment_failed', `${id}:payment-failed:${coupon.charge?.attempt ?? 0}`),
    ],
  };
}

export interface CouponView {
  readonly campaignId: string;
  readonly includedSeats: number;
  readonly extraSeatPrice: Money;
  readonly month: { readonly start: string; readonly end: string };
  readonly billingDetailsComplete: boolean;
  readonly due: readonly InvoiceDraft[];
  readonly dueSince: string | null;
}

/**
 * What a full month costs a coupon account at `seats` (LTD-4, LTD-5): the included seats
 * nothing, each extra seat its monthly price. The invoice itself is by seat-time in arrears.
 */
export function couponMonthlyPrice(terms: CouponTerms, seats: number): Money {
  const extraSeats = Math.max(0, seats - terms.includedSeats);
  return money(extraSeats * terms.extraSeatPrice.amount, terms.extraSeatPrice.currency);
}

export function viewCoupon(state: AccountState): CouponView | null {
  const coupon = state.coupon;
  if (!coupon) return null;
  return {
    campaignId: coupon.terms.campaignId,
    includedSeats: coupon.terms.includedSeats,
    extraSeatPrice: coupon.terms.extraSeatPrice,
    month: {
      start: new Date(coupon.month.start).toISOString(),
      end: new Date(coupon.month.end).toISOString(),
    },
    billingDetailsComplete: coupon.billingDetailsComplete,
    due: coupon.due,
    dueSince: coupon.dueSince === null ? null : new Date(coupon.dueSince).toISOString(),
  };
}

function withCoupon(state: AccountState, coupon: CouponState): AccountState {
  return { ...state, coupon };
}

function email(
  state: AccountState,
  template: EmailTemplate,
  key: string,
): Extract<AccountEffect, { kind: 'send_email' }> {
  return { kind: 'send_email', template, idempotencyKey: `${state.accountId}:email:${key}` };
}
