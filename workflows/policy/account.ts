/**
 * The account's life under the terms, as one pure function:
 * `decide(state, input, now) -> { state, effects }`.
 *
 * The workflow feeds it inputs (commands from people, facts from the outside world, deadlines
 * reached and the outcomes of effects) and runs the effects it returns through activities.
 * Nothing here knows about Temporal, databases or clocks.
 */
import { periodPrice, type PlanTerms } from './catalog';
import { decideChange, refuseChange, type PlanChange, type PlanChangeRequest } from './changes';
import { invoiceId, subscriptionInvoice, type InvoiceDraft, type InvoiceLine } from './invoice';
import type { Currency, Money } from './money';
import {
  addDays,
  endOfNextBusinessDay,
  isoDate,
  periodAt,
  type Cycle,
  type Period,
} from './periods';
import {
  deletionDueAt,
  erasureDueAt,
  inactivityDeadline,
  recordActivity,
  type ErasureReason,
} from './lifecycle';
import { accountEndedAt } from './retention';
import {
  COUPON_PAYMENT_METHOD_TYPES,
  couponDeadline,
  couponMonthlyPrice,
  decideCoupon,
  isCouponCharge,
  onCouponChargeFailed,
  onCouponChargeSucceeded,
  onCouponDeadline,
  onCouponPaymentMethodAttached,
  refuseCoupon,
  type CouponDeadlineAction,
  type CouponInput,
  type CouponRefusalCode,
  type CouponState,
} from './coupon';
import { onCorrectionRequested, refuseCorrection, type LatestInvoice } from './correction';
import {
  creditDrawing,
  creditEndsAt,
  creditInvoice,
  DEFAULT_REFUND_BASIS_POINTS,
  refusePrepaidCredit,
  settleCredit,
  settleOnCancellation,
  startDrawing,
  viewCredit,
  type CreditRefusalCode,
  type PrepaidCredit,
  type PrepaidCreditRequest,
  type PrepaidCreditView,
} from './credit';
import {
  decideOps,
  isOpsSuspended,
  onCouponInputWhileOpsSuspended,
  onOpsDeadline,
  refuseWhileOpsSuspended,
  opsDeadline,
  refuseOps,
  viewOps,
  type OpsAuditKind,
  type OpsDeadlineAction,
  type OpsInput,
  type OpsRefusalCode,
  type OpsState,
  type OpsView,
} from './ops-actions';

/** `deleted`: the account's content is erased (CAN-3, INACT-2); its workflow has ended. */
export type AccountStatus = 'trialing' | 'active' | 'suspended' | 'cancelled' | 'deleted';
/** `ops_suspended`: suspended by the vendor (TERM-1); `opsSuspension` says why. */
export type SuspensionReason =
  'trial_expired' | 'payment_failed' | 'billing_details_missing' | 'code_abuse' | 'ops_suspended';
export type EmailTemplate =
  | 'receipt'
  | 'trial_expired'
  | 'payment_failed'
  | 'payment_retrying'
  | 'payment_failed_final_warning'
  | 'price_change_notice'
  | 'shared_login_surcharge'
  | 'account_stopped'
  | 'cancellation_confirmed'
  | 'account_cancelled'
  | 'inactivity_warning'
  | 'seats_over_included'
  | 'billing_details_required'
  | 'billing_details_suspended'
  | 'code_abuse_suspended'
  | 'prepaid_credit_refunded'
  | 'invoice_corrected'
  | 'ops_suspension_notice'
  | 'ops_termination_notice'
  | 'ops_suspended'
  | 'ops_terminated'
  | 'ops_reactivated'
  | 'ops_action_withdrawn';

/** A charge that has been decided and not yet settled. */
export interface ChargeInFlight {
  readonly invoice: InvoiceDraft;
  /** The billing position once paid: anchor and index of the period it pays or belongs to. */
  readonly anchor: number;
  readonly periodIndex: number;
  readonly attempt: number;
  /** A change of terms that takes effect when this charge is paid (PAY-2a). */
  readonly change?: PlanChange;
  /** A prepaid credit that this charge buys (PAY-11); it exists once paid. */
  readonly credit?: {
    readonly amount: number;
    readonly refundBasisPoints: number;
    readonly startsAt: number;
  };
}

/**
 * PAY-13 dunning: when a renewal is declined the account stays active while the charge is
 * retried on this schedule (days after the first failure); the owner is warned before the
 * last retry, and the account is suspended if that one fails too.
 */
export const DUNNING_RETRY_DAYS: readonly number[] = [3, 5, 7];

/** Settings of the terms that are configuration, not code (given to the workflow at signup). */
export interface BillingSettings {
  /** PAY-6: usage above either figure flags the account for an enterprise offer. */
  readonly enterpriseThresholds: { readonly endUsers: number; readonly ticketsPerAgent: number };
  /** ACCT-2: the surcharge for a detected shared login, per currency, in minor units. */
  readonly sharedLoginSurcharge: Readonly<Record<Currency, number>>;
  /** PAY-12: default share of an unused prepaid credit refunded on cancellation (basis points). */
  readonly prepaidCreditRefundBasisPoints?: number;
}

export const DEFAULT_BILLING_SETTINGS: BillingSettings = {
  enterpriseThresholds: { endUsers: 10_000, ticketsPerAgent: 2_000 },
  sharedLoginSurcharge: { USD: 3900, EUR: 3900 },
  prepaidCreditRefundBasisPoints: DEFAULT_REFUND_BASIS_POINTS,
};

/** PAY-5: the notice a price change needs before it applies to an account. */
export const PRICE_NOTICE_DAYS = 30;

/** A price change for the account's plan, announced to its owner and waiting to apply (PAY-5). */
export interface ScheduledPrice {
  readonly changeId: string;
  readonly planId: string;
  readonly seatPrice: PlanTerms['seatPrice'];
  readonly noticeAt: number;
}

export interface Dunning {
  readonly failedAt: number;
  /** Retries already made (0 right after the first failure). */
  readonly retries: number;
}

export interface AccountState extends OpsState {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly suspensionReason: SuspensionReason | null;
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
  readonly createdAt: number;
  readonly trialEndsAt: number | null;
  /** Set when the first period is paid (PAY-1c): periods are counted from the anchor. */
  readonly billing: { readonly anchor: number; readonly periodIndex: number } | null;
  readonly paymentMethod: { readonly customerId: string; readonly paymentMethodId: string } | null;
  readonly charge: ChargeInFlight | null;
  /** A renewal that could not be paid (PAY-13): retried, and charged when a new card arrives. */
  readonly unpaid: ChargeInFlight | null;
  /** Set while a declined renewal is being retried before suspension (PAY-13). */
  readonly dunning: Dunning | null;
  /** Terms that take effect at the next renewal (downgrades, annual to monthly: PAY-3). */
  readonly pendingChange: PlanChange | null;
  /** Agent seats in use, as last reported by the product (PAY-4). */
  readonly seatsInUse: number;
  readonly settings: BillingSettings;
  /** PAY-6: set when reported usage went above a threshold; for sales, changes nothing. */
  readonly enterpriseReview: { readonly flaggedAt: number; readonly reason: string } | null;
  /** ACCT-2: a shared login detected since the last invoice, surcharged on the next one. */
  readonly sharedLogin: { readonly detectedAt: number } | null;
  /** Announced price changes not yet applied (PAY-5). */
  readonly scheduledPrices: readonly ScheduledPrice[];
  /** Ids of price changes already heard of, so a repeated announcement is one notice. */
  readonly priceChangeIds: readonly string[];
  readonly pendingCancellation: {
    readonly requestedAt: number;
    readonly effectiveAt: number;
  } | null;
  readonly cancelledAt: number | null;
  readonly invoiceCount: number;
  /** INACT-1: the last recorded login or usage; signup counts as activity. */
  readonly lastActivityAt: number;
  /** INACT-1: the `lastActivityAt` the warning was sent for; any activity re-arms it. */
  readonly inactivityWarnedFor: number | null;
  /** CAN-3, INACT-2: when and why the content was erased (status `deleted`). */
  readonly erasure: { readonly reason: ErasureReason; readonly erasedAt: number } | null;
  /** Lifetime-deal accounts only (LTD-4 … LTD-10); absent or null otherwise. */
  readonly coupon?: CouponState | null;
  /** PAY-11: the prepaid credit paying for the account's time; absent or null if none. */
  readonly prepaidCredit?: PrepaidCredit | null;
  /** PAY-9: the latest invoice issued and when; absent until the first one is paid. */
  readonly latestInvoice?: LatestInvoice | null;
  /** PAY-9: credit notes issued so far (their ids are numbered from it). */
  readonly creditNoteCount?: number;
}

export type AccountInput =
  | { readonly kind: 'deadline_reached' }
  | { readonly kind: 'payment_method_submitted'; readonly paymentMethodId: string }
  | {
      readonly kind: 'payment_method_attached';
      readonly customerId: string;
      readonly paymentMethodId: string;
    }
  | { readonly kind: 'payment_method_rejected'; readonly code: string; readonly message: string }
  | { readonly kind: 'stop_requested' }
  /** GDPR-2: the person asks for erasure; the account cannot go on and is erased now. */
  | { readonly kind: 'erasure_requested' }
  | { readonly kind: 'plan_change_requested'; readonly request: PlanChangeRequest }
  | { readonly kind: 'seats_in_use_reported'; readonly seatsInUse: number }
  | {
      readonly kind: 'usage_reported';
      readonly endUsers: number;
      readonly ticketsPerAgent: number;
    }
  | { readonly kind: 'shared_login_detected' }
  | {
      readonly kind: 'price_change_announced';
      readonly changeId: string;
      readonly planId: string;
      readonly currency: PlanTerms['currency'];
      readonly seatPrice: PlanTerms['seatPrice'];
    }
  | { readonly kind: 'support_cancellation_requested'; readonly holidays: readonly string[] }
  | { readonly kind: 'charge_succeeded'; readonly invoiceId: string; readonly paymentId: string }
  /** PAY-9: the owner asks for the latest invoice to carry the billing details now on file. */
  | { readonly kind: 'billing_details_correction_requested'; readonly requestedAt: number }
  | {
      readonly kind: 'charge_failed';
      readonly invoiceId: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly kind: 'prepaid_credit_requested'; readonly request: PrepaidCreditRequest }
  | { readonly kind: 'credit_refunded'; readonly creditId: string; readonly refundId: string }
  | { readonly kind: 'credit_refund_failed'; readonly creditId: string; readonly message: string }
  | CouponInput
  | OpsInput;

export type AccountEffect =
  | {
      readonly kind: 'attach_payment_method';
      readonly paymentMethodId: string;
      readonly idempotencyKey: string;
      /** Only these payment method types are accepted (coupon accounts, LTD-8). */
      readonly allowedTypes?: readonly string[];
    }
  | {
      readonly kind: 'charge_invoice';
      readonly invoice: InvoiceDraft;
      readonly customerId: string;
      readonly paymentMethodId: string;
      readonly idempotencyKey: string;
    }
  | {
      readonly kind: 'send_email';
      readonly template: EmailTemplate;
      readonly idempotencyKey: string;
      readonly invoiceId?: string;
      readonly effectiveAt?: number;
      /** The new period price a price-change notice announces (PAY-5). */
      readonly amount?: Money;
    }
  | {
      /** CAN-3: erase the account's personal data and content, keeping issued invoices. */
      readonly kind: 'erase_account';
      readonly reason: ErasureReason;
      readonly idempotencyKey: string;
    }
  | {
      /** PAY-9: a credit note cancelling an invoice and its corrected copy; no charge. */
      readonly kind: 'issue_correction';
      readonly cancelledInvoiceId: string;
      readonly creditNoteId: string;
      readonly correctedInvoiceId: string;
      readonly idempotencyKey: string;
    }
  | {
      /** CAN-3: the product hears of the erasure through a signed webhook, until it acknowledges. */
      readonly kind: 'notify_account_deleted';
      readonly reason: ErasureReason;
      readonly erasedAt: number;
      readonly idempotencyKey: string;
    }
  | {
      /** PAY-12: refund part of an unused prepaid credit against the payment that bought it. */
      readonly kind: 'refund_payment';
      readonly creditId: string;
      readonly paymentId: string;
      readonly refund: Money;
      readonly feeRetained: number;
      readonly remaining: number;
      readonly idempotencyKey: string;
    }
  | {
      /** TERM-1: an ops action, recorded in the audit log (reason codes only, no free text). */
      readonly kind: 'record_audit_event';
      readonly event: OpsAuditKind;
      readonly detail: Readonly<Record<string, string | number | boolean>>;
      readonly occurredAt: number;
      readonly idempotencyKey: string;
    }
  | {
      /** GDPR-4: the durable timer that erases what is still held 5 years after the end. */
      readonly kind: 'start_retention';
      readonly endedAt: number;
    };

export interface Decision {
  readonly state: AccountState;
  readonly effects: readonly AccountEffect[];
}

export type DeadlineAction =
  | 'end_trial'
  | 'renew'
  | 'retry_payment'
  | 'cancel'
  | 'warn_inactive'
  | 'delete_inactive'
  | 'erase'
  | 'credit_runs_out'
  | CouponDeadlineAction
  | OpsDeadlineAction;

export interface Deadline {
  readonly at: number;
  readonly action: DeadlineAction;
}

export type RefusalCode =
  | 'ACCOUNT_CLOSED'
  | 'CHARGE_IN_PROGRESS'
  | 'ACCOUNT_SUSPENDED'
  | 'CONFIRMATION_REQUIRED'
  | 'SEATS_OUT_OF_RANGE'
  | 'CURRENCY_NOT_OFFERED'
  | 'NO_CHANGE'
  | 'PLAN_FIXED_BY_COUPON'
  | CreditRefusalCode
  | 'BILLING_DETAILS_WINDOW_CLOSED'
  | 'NO_INVOICE_TO_CORRECT'
  | CouponRefusalCode
  | OpsRefusalCode;

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
  readonly clause?: string;
}

export function openAccount(args: {
  readonly accountId: string;
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
  readonly now: number;
  readonly settings?: BillingSettings;
}): AccountState {
  return {
    accountId: args.accountId,
    status: 'trialing',
    suspensionReason: null,
    plan: args.plan,
    seats: args.seats,
    cycle: args.cycle,
    createdAt: args.now,
    // PAY-1a: every plan starts with a trial of at most 14 days.
    trialEndsAt: addDays(args.now, args.plan.trialDays),
    billing: null,
    paymentMethod: null,
    charge: null,
    unpaid: null,
    dunning: null,
    pendingChange: null,
    seatsInUse: 0,
    settings: args.settings ?? DEFAULT_BILLING_SETTINGS,
    enterpriseReview: null,
    sharedLogin: null,
    scheduledPrices: [],
    priceChangeIds: [],
    pendingCancellation: null,
    cancelledAt: null,
    invoiceCount: 0,
    lastActivityAt: args.now,
    inactivityWarnedFor: null,
    erasure: null,
  };
}

/**
 * A state carried over by continue-as-new from a run of an earlier version, with the fields
 * added since then given their neutral values (no dunning, no scheduled change or price, no
 * usage reported, default settings).
 */
export function resumeState(carried: AccountState): AccountState {
  const older: Partial<AccountState> = carried;
  const anchor = carried.billing?.anchor ?? 0;
  const withAnchor = (charge: ChargeInFlight | null): ChargeInFlight | null => {
    if (!charge) return null;
    const partial: Partial<ChargeInFlight> = charge;
    return { ...charge, anchor: partial.anchor ?? anchor };
  };
  return {
    ...carried,
    unpaid: withAnchor(carried.unpaid),
    charge: withAnchor(carried.charge),
    dunning: older.dunning ?? null,
    pendingChange: older.pendingChange ?? null,
    seatsInUse: older.seatsInUse ?? 0,
    settings: older.settings ?? DEFAULT_BILLING_SETTINGS,
    enterpriseReview: older.enterpriseReview ?? null,
    sharedLogin: older.sharedLogin ?? null,
    scheduledPrices: older.scheduledPrices ?? [],
    priceChangeIds: older.priceChangeIds ?? [],
  };
}

/**
 * INACT-1: records a login or usage reported by the product. Only the clock moves: no
 * effect, no deadline is acted on; the next timer to fire finds the deadline moved.
 * A cancelled or deleted account has no inactivity clock any more.
 */
export function reportActivity(state: AccountState, at: number): AccountState {
  if (state.status === 'cancelled' || state.status === 'deleted') return state;
  return recordActivity(state, at);
}

/** The next moment at which the account changes by itself, if any. */
export function nextDeadline(state: AccountState): Deadline | null {
  if (state.status === 'deleted' || state.charge) return null;
  if (state.status === 'cancelled') {
    // CAN-3: the content of a cancelled account is erased after the grace period.
    return state.cancelledAt === null
      ? null
      : { at: erasureDueAt(state.cancelledAt), action: 'erase' };
  }
  const billing = earliest(
    opsDeadline(state),
    isOpsSuspended(state)
      ? suspendedDeadline(state)
      : state.coupon
        ? couponDeadline(state)
        : billingDeadline(state),
  );
  // INACT-1/2 run beside billing. On a tie a deletion goes first, so an account due for
  // deletion is never charged for another period; a warning waits for the renewal.
  const inactivity = inactivityDeadline(state);
  if (billing === null || inactivity.at < billing.at) return inactivity;
  return inactivity.at === billing.at && inactivity.action === 'delete_inactive'
    ? inactivity
    : billing;
}

/** The earlier of two deadlines; on a tie the first (a TERM-1 action goes before a charge). */
function earliest(first: Deadline | null, second: Deadline | null): Deadline | null {
  if (!first) return second;
  if (!second) return first;
  return second.at < first.at ? second : first;
}

/** TERM-1: nothing is charged while ops-suspended; a cancellation filed with support still runs. */
function suspendedDeadline(state: AccountState): Deadline | null {
  return state.pendingCancellation
    ? { at: state.pendingCancellation.effectiveAt, action: 'cancel' }
    : null;
}

function billingDeadline(state: AccountState): Deadline | null {
  // PAY-11: while a prepaid credit pays for the account's time, the next charge is when it
  // runs out (never, if nothing is drawn), not the end of the last paid period.
  const drawing = state.status === 'active' && creditDrawing(state);
  const renewal = drawing
    ? creditEndsAt(state)
    : state.status === 'active' && state.billing
      ? periodAt(state.billing.anchor, state.cycle, state.billing.periodIndex).end
      : null;
  if (state.pendingCancellation) {
    // CAN-1: the cancellation takes effect no later than its deadline, and never after a
    // renewal has been charged: a renewal falling earlier ends the account instead.
    const at =
      renewal === null
        ? state.pendingCancellation.effectiveAt
        : Math.min(renewal, state.pendingCancellation.effectiveAt);
    return { at, action: 'cancel' };
  }
  if (state.status === 'trialing' && state.trialEndsAt !== null) {
    return { at: state.trialEndsAt, action: 'end_trial' };
  }
  if (state.dunning && state.unpaid) {
    // PAY-13: the next retry of the declined renewal.
    const days = DUNNING_RETRY_DAYS[state.dunning.retries];
    if (days !== undefined) {
      return { at: addDays(state.dunning.failedAt, days), action: 'retry_payment' };
    }
  }
  if (renewal !== null) return { at: renewal, action: drawing ? 'credit_runs_out' : 'renew' };
  return null;
}

/** Checks a command against the state before it is accepted (update validators). */
export function refuse(state: AccountState, input: AccountInput): Refusal | null {
  const closed: Refusal = {
    code: 'ACCOUNT_CLOSED',
    message: 'The account is cancelled; nothing more can be changed or charged.',
    clause: 'CAN-2',
  };
  if (state.status === 'deleted') {
    return {
      code: 'ACCOUNT_CLOSED',
      message: 'The account has been deleted; nothing more can be changed or charged.',
      clause: erasureClause(state.erasure?.reason),
    };
  }
  switch (input.kind) {
    case 'payment_method_submitted':
      if (state.status === 'cancelled') return closed;
      if (isOpsSuspended(state)) {
        return {
          code: 'ACCOUNT_SUSPENDED',
          message:
            'The account is suspended by the vendor; nothing is charged until support lifts it.',
          clause: 'TERM-1',
        };
      }
      if (state.charge) {
        return {
          code: 'CHARGE_IN_PROGRESS',
          message: 'A charge for this account is in progress; try again in a moment.',
        };
      }
      return null;
    case 'support_cancellation_requested':
      return state.status === 'cancelled' ? closed : null;
    case 'plan_change_requested':
      return refuseChange(state, input.request);
    case 'prepaid_credit_requested':
      return refusePrepaidCredit(state, input.request);
    case 'billing_details_correction_requested':
      return state.status === 'cancelled' ? closed : refuseCorrection(state, input.requestedAt);
    case 'coupon_seats_changed':
    case 'billing_details_checked':
    case 'code_abuse_reported':
      return refuseCoupon(state, input) ?? refuseWhileOpsSuspended(state, input);
    case 'ops_suspension_requested':
    case 'ops_termination_requested':
    case 'ops_reactivation_requested':
      return refuseOps(state, input);
    default:
      return null;
  }
}

export function decide(state: AccountState, input: AccountInput, now: number): Decision {
  switch (input.kind) {
    case 'deadline_reached':
      return onDeadline(state, now);
    case 'payment_method_submitted':
      if (refuse(state, input)) return unchanged(state);
      return {
        state,
        effects: [
          {
            kind: 'attach_payment_method',
            paymentMethodId: input.paymentMethodId,
            idempotencyKey: `${state.accountId}:payment-method:${input.paymentMethodId}`,
            ...(state.coupon ? { allowedTypes: COUPON_PAYMENT_METHOD_TYPES } : {}),
          },
        ],
      };
    case 'payment_method_attached':
      if (state.coupon) return onCouponPaymentMethodAttached(state, input);
      return onPaymentMethodAttached(state, input, now);
    case 'payment_method_rejected':
      return unchanged(state);
    case 'stop_requested':
      return onStop(state, now);
    case 'erasure_requested': {
      // GDPR-2: stopped as under CAN-2 (nothing more is charged), then erased at once rather
      // than after CAN-3's grace period.
      if (state.status === 'deleted') return unchanged(state);
      if (state.status === 'cancelled') return erase(state, 'erasure_request', now);
      // PAY-12: credit left is refunded as on any cancellation, before the erasure.
      const closed = closeCredit(state, now);
      const erased = erase(cancelled(closed.state, now), 'erasure_request', now);
      return { state: erased.state, effects: [...closed.effects, ...erased.effects] };
    }
    case 'support_cancellation_requested':
      return onSupportCancellation(state, input.holidays, now);
    case 'plan_change_requested':
      return onPlanChange(state, input.request, now);
    case 'price_change_announced':
      return onPriceChange(state, input, now);
    case 'usage_reported':
      return onUsage(state, input, now);
    case 'shared_login_detected':
      return onSharedLogin(state, now);
    case 'seats_in_use_reported':
      if (!Number.isSafeInteger(input.seatsInUse) || input.seatsInUse < 0) return unchanged(state);
      return unchanged({ ...state, seatsInUse: input.seatsInUse });
    case 'charge_succeeded': {
      const decision = isCouponCharge(state, input.invoiceId)
        ? onCouponChargeSucceeded(state, input.invoiceId)
        : onChargeSucceeded(state, input.invoiceId, input.paymentId, now);
      // PAY-9: a paid charge is an issued invoice; its correction window starts now.
      if (decision.state === state) return decision;
      return {
        ...decision,
        state: { ...decision.state, latestInvoice: { invoiceId: input.invoiceId, issuedAt: now } },
      };
    }
    case 'billing_details_correction_requested':
      if (refuse(state, input)) return unchanged(state);
      return onCorrectionRequested(state, input.requestedAt);
    case 'charge_failed':
      if (isCouponCharge(state, input.invoiceId)) {
        return onCouponChargeFailed(state, input.invoiceId);
      }
      return onChargeFailed(state, input.invoiceId, now);
    case 'prepaid_credit_requested':
      return onPrepaidCreditRequested(state, input.request, now);
    case 'credit_refunded':
    case 'credit_refund_failed':
      return unchanged(onCreditRefundOutcome(state, input));
    case 'coupon_seats_changed':
    case 'billing_details_checked':
    case 'code_abuse_reported':
      if (isOpsSuspended(state)) return onCouponInputWhileOpsSuspended(state, input);
      return decideCoupon(state, input, now);
    case 'ops_suspension_requested':
    case 'ops_termination_requested':
    case 'ops_reactivation_requested':
      return decideOps(state, input, now);
  }
}

function unchanged(state: AccountState): Decision {
  return { state, effects: [] };
}

function onDeadline(state: AccountState, now: number): Decision {
  const due = nextDeadline(state);
  if (!due || now < due.at) return unchanged(state);
  switch (due.action) {
    case 'end_trial':
      // PAY-1b: no payment method by the end of the trial suspends the account.
      return {
        state: { ...state, status: 'suspended', suspensionReason: 'trial_expired' },
        effects: [email(state, 'trial_expired', 'trial-expired')],
      };
    case 'renew': {
      // PAY-1d: each period is charged at its start, under any terms scheduled for it (PAY-3).
      const billing = state.billing!;
      const end = periodAt(billing.anchor, state.cycle, billing.periodIndex).end;
      // PAY-5: announced prices apply from the first period starting 30 days after the notice.
      const priced = applyDuePrices(state, end);
      const change = priced.pendingChange;
      if (state.prepaidCredit?.startsAt === end && !state.prepaidCredit.settlement) {
        // PAY-11: this period is paid by the prepaid credit, under the terms scheduled for it;
        // nothing is charged until the credit runs out.
        const terms = change ? { ...applyTerms(priced, change), pendingChange: null } : priced;
        return unchanged(startDrawing(terms));
      }
      if (!change) return startCharge(priced, billing.anchor, billing.periodIndex + 1, 1);
      const next: AccountState = { ...applyTerms(priced, change), pendingChange: null };
      if (change.cycle === state.cycle) {
        return startCharge(next, billing.anchor, billing.periodIndex + 1, 1);
      }
      // A cycle switch starts a new series of periods where the prepaid one ends.
      return startCharge(next, end, 0, 1, false);
    }
    case 'retry_payment': {
      // PAY-13: a scheduled retry of the declined renewal, on the card on file.
      const { unpaid, dunning } = state;
      if (!unpaid || !dunning) return unchanged(state);
      return charge(
        { ...state, dunning: { ...dunning, retries: dunning.retries + 1 } },
        { ...unpaid, attempt: unpaid.attempt + 1 },
      );
    }
    case 'cancel': {
      // Effective as of its deadline, however late the timer that noticed it fired.
      const closed = closeCredit(state, due.at);
      return {
        state: cancelled(closed.state, due.at),
        effects: [email(state, 'account_cancelled', 'cancelled'), ...closed.effects],
      };
    }
    case 'credit_runs_out': {
      // PAY-11: the credit is used up; a fresh period starts at that instant and is charged
      // now: no gap and no overlap with the time the credit paid for.
      const next: AccountState = { ...settleCredit(state, due.at), prepaidCredit: null };
      return startCharge(next, due.at, 0, 1, false);
    }
    case 'warn_inactive':
      // INACT-1: one warning per stretch of inactivity, naming the deletion date.
      return {
        state: { ...state, inactivityWarnedFor: state.lastActivityAt },
        effects: [
          {
            ...email(state, 'inactivity_warning', `inactivity-warning:${state.lastActivityAt}`),
            effectiveAt: deletionDueAt(state),
          },
        ],
      };
    case 'delete_inactive':
      // INACT-2: deleted with all its data, as in CAN-3.
      return erase(state, 'inactivity', now);
    case 'erase':
      return erase(state, state.termination ? 'terminated' : 'cancelled', now);
    case 'coupon_invoice':
    case 'coupon_suspend':
      return onCouponDeadline(state, due, now);
    case 'ops_suspend':
    case 'ops_terminate':
      return onOpsDeadline(state, now);
  }
}

/** CAN-3: the irreversible erasure; the account is `deleted` and its workflow ends. */
function erase(state: AccountState, reason: ErasureReason, now: number): Decision {
  return {
    state: {
      ...state,
      status: 'deleted',
      suspensionReason: null,
      pendingCancellation: null,
      charge: null,
      unpaid: null,
      paymentMethod: null,
      erasure: { reason, erasedAt: now },
    },
    effects: [
      { kind: 'erase_account', reason, idempotencyKey: `${state.accountId}:erase` },
      {
        kind: 'notify_account_deleted',
        reason,
        erasedAt: now,
        idempotencyKey: `${state.accountId}:webhook:account.deleted`,
      },
      { kind: 'start_retention', endedAt: accountEndedAt(state.cancelledAt, now) },
    ],
  };
}

function erasureClause(reason: ErasureReason | undefined): string {
  switch (reason) {
    case 'inactivity':
      return 'INACT-2';
    case 'erasure_request':
      return 'GDPR-2';
    case 'terminated':
      return 'TERM-1';
    default:
      return 'CAN-3';
  }
}

function onPaymentMethodAttached(
  state: AccountState,
  input: { readonly customerId: string; readonly paymentMethodId: string },
  now: number,
): Decision {
  const withCard: AccountState = {
    ...state,
    paymentMethod: { customerId: input.customerId, paymentMethodId: input.paymentMethodId },
  };
  if (state.status === 'trialing' || (state.status === 'suspended' && !state.unpaid)) {
    // PAY-1c (and PAY-1b's way out): the card ends the trial and the first period is charged
    // at once; the billing anchor is this moment.
    return startCharge(withCard, now, 0, 1);
  }
  if (state.unpaid && (state.status === 'suspended' || state.dunning)) {
    // PAY-13: a new card pays what is due: the unpaid period while it is still running,
    // otherwise a fresh period from now.
    const { unpaid } = state;
    const period = periodAt(unpaid.anchor, state.cycle, unpaid.periodIndex);
    if (now < period.end) return retryCharge(withCard, unpaid);
    return startCharge({ ...withCard, unpaid: null, dunning: null }, now, 0, 1);
  }
  // PAY-7: an active account may replace its card at any time; nothing is charged.
  return unchanged(withCard);
}

function onStop(state: AccountState, now: number): Decision {
  if (state.status === 'cancelled' || state.status === 'deleted') return unchanged(state);
  // CAN-2: cancelled at once; nothing scheduled survives. PAY-12: credit left is refunded.
  const closed = closeCredit(state, now);
  return {
    state: cancelled(closed.state, now),
    effects: [email(state, 'account_stopped', 'stopped'), ...closed.effects],
  };
}

function onSupportCancellation(
  state: AccountState,
  holidays: readonly string[],
  now: number,
): Decision {
  if (state.status === 'cancelled' || state.status === 'deleted' || state.pendingCancellation) {
    return unchanged(state);
  }
  // CAN-1: effective no later than the end of the next business day.
  const effectiveAt = endOfNextBusinessDay(now, holidays);
  const next: AccountState = { ...state, pendingCancellation: { requestedAt: now, effectiveAt } };
  return {
    state: next,
    effects: [{ ...email(state, 'cancellation_confirmed', 'cancellation-confirmed'), effectiveAt }],
  };
}

function onChargeSucceeded(
  state: AccountState,
  id: string,
  paymentId: string,
  now: number,
): Decision {
  const charge = state.charge;
  if (!charge || charge.invoice.invoiceId !== id) return unchanged(state);
  const bought = charge.credit ? withCredit(state, charge, paymentId, now) : state;
  const paid: AccountState = charge.change
    ? { ...applyTerms(bought, charge.change), pendingChange: null }
    : bought;
  const next: AccountState = {
    ...paid,
    status: 'active',
    suspensionReason: null,
    trialEndsAt: state.status === 'trialing' ? now : state.trialEndsAt,
    billing: { anchor: charge.anchor, periodIndex: charge.periodIndex },
    charge: null,
    ...(charge.change || charge.credit ? {} : { unpaid: null, dunning: null }),
  };
  // PAY-7: a receipt after every successful charge.
  return { state: next, effects: [{ ...email(state, 'receipt', `${id}:receipt`), invoiceId: id }] };
}

function onChargeFailed(state: AccountState, id: string, now: number): Decision {
  const charge = state.charge;
  if (!charge || charge.invoice.invoiceId !== id) return unchanged(state);
  if (charge.change || charge.credit) {
    // A change paid for now (PAY-2a), or a prepaid credit (PAY-11), whose charge is declined is
    // refused: nothing changes.
    return unchanged({ ...state, charge: null });
  }
  if (charge.periodIndex === 0 && !state.unpaid && state.status !== 'active') {
    // The card offered to start billing did not pay: nothing changes but the card is dropped.
    return unchanged({ ...state, charge: null, paymentMethod: null });
  }
  if (state.status === 'suspended') {
    // A new card offered to a suspended account did not pay either: it stays suspended.
    return unchanged({ ...state, charge: null, paymentMethod: null });
  }
  const dunning = state.dunning ?? { failedAt: now, retries: 0 };
  if (dunning.retries < DUNNING_RETRY_DAYS.length) {
    // PAY-13: the renewal is retried on a schedule while the account stays served; the owner
    // is told at the first failure and warned once more before the last retry.
    const lastRetryNext = dunning.retries === DUNNING_RETRY_DAYS.length - 1;
    const template: EmailTemplate = lastRetryNext
      ? 'payment_failed_final_warning'
      : 'payment_retrying';
    const sendsEmail = dunning.retries === 0 || lastRetryNext;
    const lastDay = addDays(dunning.failedAt, DUNNING_RETRY_DAYS[DUNNING_RETRY_DAYS.length - 1]);
    return {
      state: { ...state, charge: null, unpaid: charge, dunning },
      effects: sendsEmail
        ? [
            {
              ...email(state, template, `${id}:payment-failed:${charge.attempt}`),
              invoiceId: id,
              effectiveAt: lastDay,
            },
          ]
        : [],
    };
  }
  // PAY-13: still unpaid after the last retry: a period that cannot be paid is not served.
  return {
    state: {
      ...state,
      status: 'suspended',
      suspensionReason: 'payment_failed',
      charge: null,
      unpaid: charge,
      dunning: null,
      paymentMethod: null,
    },
    effects: [email(state, 'payment_failed', `${id}:payment-failed:${charge.attempt}`)],
  };
}

function onPlanChange(original: AccountState, request: PlanChangeRequest, now: number): Decision {
  // PAY-11: the credit is drawn at the old terms up to this instant, at the new ones after.
  const state = settleCredit(original, now);
  const decision = decideChange(state, request, now);
  if (!decision.ok) return unchanged(state);
  const change: PlanChange = { plan: request.plan, seats: request.seats, cycle: request.cycle };
  switch (decision.plan.apply) {
    case 'now':
      return unchanged({ ...applyTerms(state, change), pendingChange: null });
    case 'next_renewal': {
      const unchangedTerms =
        change.plan.planId === state.plan.planId &&
        change.seats === state.seats &&
        change.cycle === state.cycle;
      return unchanged({ ...state, pendingChange: unchangedTerms ? null : change });
    }
    case 'after_charge': {
      const sequence = state.invoiceCount + 1;
      const invoice: InvoiceDraft = {
        ...decision.plan.invoice,
        invoiceId: invoiceId(state.accountId, sequence),
      };
      return charge(
        { ...state, invoiceCount: sequence },
        {
          invoice,
          anchor: decision.plan.anchor,
          periodIndex: decision.plan.periodIndex,
          attempt: 1,
          change,
        },
      );
    }
  }
}

/** PAY-11: a credit is bought by an invoice for its amount, charged to the payment method. */
function onPrepaidCreditRequested(
  state: AccountState,
  request: PrepaidCreditRequest,
  now: number,
): Decision {
  if (refusePrepaidCredit(state, request)) return unchanged(state);
  const billing = state.billing!;
  // The period already paid runs to its end; the credit pays from the next one on.
  const startsAt = periodAt(billing.anchor, state.cycle, billing.periodIndex).end;
  const sequence = state.invoiceCount + 1;
  const invoice = creditInvoice({
    invoiceId: invoiceId(state.accountId, sequence),
    state,
    amount: request.amount,
    startsAt: Math.max(startsAt, now),
  });
  return charge(
    { ...state, invoiceCount: sequence },
    {
      invoice,
      anchor: billing.anchor,
      periodIndex: billing.periodIndex,
      attempt: 1,
      credit: {
        amount: request.amount,
        refundBasisPoints:
          request.refundBasisPoints ??
          state.settings.prepaidCreditRefundBasisPoints ??
          DEFAULT_REFUND_BASIS_POINTS,
        startsAt: Math.max(startsAt, now),
      },
    },
  );
}

/** The credit a paid purchase invoice bought (PAY-11). */
function withCredit(
  state: AccountState,
  inFlight: ChargeInFlight,
  paymentId: string,
  now: number,
): AccountState {
  const bought = inFlight.credit!;
  const credit: PrepaidCredit = {
    creditId: inFlight.invoice.invoiceId,
    paymentId,
    currency: inFlight.invoice.currency,
    amount: bought.amount,
    refundBasisPoints: bought.refundBasisPoints,
    addedAt: now,
    startsAt: bought.startsAt,
    drawing: false,
    balanceAt: bought.startsAt,
    balance: bought.amount,
    settlement: null,
  };
  return { ...state, prepaidCredit: credit };
}

/**
 * PAY-12: on cancellation with credit left, the remainder times the refund ratio goes back
 * through the processor against the payment that bought the credit; the rest is retained.
 */
export function closeCredit(
  state: AccountState,
  at: number,
): { readonly state: AccountState; readonly effects: AccountEffect[] } {
  const { state: next, settlement } = settleOnCancellation(state, at);
  const credit = next.prepaidCredit;
  if (!settlement || !credit || settlement.refund === 0) return { state: next, effects: [] };
  const refund: Money = { amount: settlement.refund, currency: credit.currency };
  return {
    state: next,
    effects: [
      {
        kind: 'refund_payment',
        creditId: credit.creditId,
        paymentId: credit.paymentId,
        refund,
        feeRetained: settlement.feeRetained,
        remaining: settlement.remaining,
        idempotencyKey: `${credit.creditId}:refund`,
      },
      {
        ...email(state, 'prepaid_credit_refunded', `credit-refund:${credit.creditId}`),
        invoiceId: credit.creditId,
        amount: refund,
      },
    ],
  };
}

function onCreditRefundOutcome(
  state: AccountState,
  input: Extract<AccountInput, { kind: 'credit_refunded' | 'credit_refund_failed' }>,
): AccountState {
  const credit = state.prepaidCredit;
  if (!credit?.settlement || credit.creditId !== input.creditId) return state;
  const settlement =
    input.kind === 'credit_refunded'
      ? { ...credit.settlement, refundId: input.refundId, refundFailure: null }
      : { ...credit.settlement, refundFailure: input.message };
  return { ...state, prepaidCredit: { ...credit, settlement } };
}

function onUsage(
  state: AccountState,
  usage: { readonly endUsers: number; readonly ticketsPerAgent: number },
  now: number,
): Decision {
  if (state.enterpriseReview || state.status === 'cancelled') return unchanged(state);
  const limits = state.settings.enterpriseThresholds;
  const reasons = [
    usage.endUsers > limits.endUsers
      ? `${usage.endUsers} end users (over ${limits.endUsers})`
      : null,
    usage.ticketsPerAgent > limits.ticketsPerAgent
      ? `${usage.ticketsPerAgent} tickets per agent (over ${limits.ticketsPerAgent})`
      : null,
  ].filter((reason): reason is string => reason !== null);
  if (reasons.length === 0) return unchanged(state);
  // PAY-6: flagged for sales review; nothing else about the account changes.
  return unchanged({ ...state, enterpriseReview: { flaggedAt: now, reason: reasons.join('; ') } });
}

function onSharedLogin(state: AccountState, now: number): Decision {
  if (state.status === 'cancelled' || state.sharedLogin) return unchanged(state);
  // ACCT-2: one surcharge on the next invoice, however often it is detected before then.
  const amount: Money = {
    amount: state.settings.sharedLoginSurcharge[state.plan.currency],
    currency: state.plan.currency,
  };
  return {
    state: { ...state, sharedLogin: { detectedAt: now } },
    effects: [{ ...email(state, 'shared_login_surcharge', `shared-login:${now}`), amount }],
  };
}

function onPriceChange(
  state: AccountState,
  input: Extract<AccountInput, { kind: 'price_change_announced' }>,
  now: number,
): Decision {
  if (state.status === 'cancelled' || state.priceChangeIds.includes(input.changeId)) {
    return unchanged(state);
  }
  const heard: AccountState = {
    ...state,
    priceChangeIds: [...state.priceChangeIds, input.changeId],
  };
  if (input.planId !== state.plan.planId || input.currency !== state.plan.currency) {
    return unchanged(heard);
  }
  const scheduled: ScheduledPrice = {
    changeId: input.changeId,
    planId: input.planId,
    seatPrice: input.seatPrice,
    noticeAt: now,
  };
  const next: AccountState = {
    ...heard,
    scheduledPrices: [
      ...state.scheduledPrices.filter((price) => price.planId !== input.planId),
      scheduled,
    ],
  };
  const effectiveAt = priceEffectiveAt(next, scheduled);
  const newPrice = periodPrice(
    { ...state.plan, seatPrice: input.seatPrice },
    state.seats,
    state.cycle,
  );
  return {
    state: next,
    effects: [
      {
        ...email(state, 'price_change_notice', `price-change:${input.changeId}`),
        effectiveAt,
        amount: newPrice,
      },
    ],
  };
}

/** PAY-5: the start of the first period that begins at least 30 days after the notice. */
export function priceEffectiveAt(state: AccountState, price: ScheduledPrice): number {
  const earliest = addDays(price.noticeAt, PRICE_NOTICE_DAYS);
  if (!state.billing) return earliest;
  const { anchor, periodIndex } = state.billing;
  let index = periodIndex + 1;
  while (periodAt(anchor, state.cycle, index).start < earliest) index += 1;
  return periodAt(anchor, state.cycle, index).start;
}

/** The account with every announced price whose notice has run by `periodStart` applied. */
function applyDuePrices(state: AccountState, periodStart: number): AccountState {
  const due = state.scheduledPrices.filter(
    (price) => addDays(price.noticeAt, PRICE_NOTICE_DAYS) <= periodStart,
  );
  if (due.length === 0) return state;
  let next: AccountState = {
    ...state,
    scheduledPrices: state.scheduledPrices.filter((price) => !due.includes(price)),
  };
  for (const price of due) {
    if (next.plan.planId === price.planId) {
      next = { ...next, plan: { ...next.plan, seatPrice: price.seatPrice } };
    }
    const pending = next.pendingChange;
    if (pending && pending.plan.planId === price.planId) {
      next = {
        ...next,
        pendingChange: { ...pending, plan: { ...pending.plan, seatPrice: price.seatPrice } },
      };
    }
  }
  return next;
}

function applyTerms(state: AccountState, change: PlanChange): AccountState {
  return { ...state, plan: change.plan, seats: change.seats, cycle: change.cycle };
}

export function startCharge(
  state: AccountState,
  anchor: number,
  periodIndex: number,
  attempt: number,
  first: boolean = periodIndex === 0,
): Decision {
  state = applyDuePrices(state, periodAt(anchor, state.cycle, periodIndex).start);
  const sequence = state.invoiceCount + 1;
  const period = periodAt(anchor, state.cycle, periodIndex);
  const surcharge = state.sharedLogin ? sharedLoginLine(state, period) : null;
  const invoice = subscriptionInvoice({
    invoiceId: invoiceId(state.accountId, sequence),
    accountId: state.accountId,
    plan: state.plan,
    seats: state.seats,
    cycle: state.cycle,
    period,
    first,
    ...(surcharge ? { extraLines: [surcharge] } : {}),
  });
  return charge(
    { ...state, invoiceCount: sequence, sharedLogin: null },
    { invoice, anchor, periodIndex, attempt },
  );
}

function sharedLoginLine(state: AccountState, period: Period): InvoiceLine {
  const amount = state.settings.sharedLoginSurcharge[state.plan.currency];
  return {
    description: `Shared login detected on ${isoDate(state.sharedLogin!.detectedAt)}: surcharge`,
    clause: 'ACCT-2',
    periodStart: period.start,
    periodEnd: period.end,
    quantity: 1,
    unitAmount: amount,
    amount,
  };
}

function retryCharge(state: AccountState, unpaid: ChargeInFlight): Decision {
  return charge(state, { ...unpaid, attempt: unpaid.attempt + 1 });
}

function charge(state: AccountState, inFlight: ChargeInFlight): Decision {
  const method = state.paymentMethod;
  if (!method) return unchanged(state);
  return {
    state: { ...state, charge: inFlight },
    effects: [
      {
        kind: 'charge_invoice',
        invoice: inFlight.invoice,
        customerId: method.customerId,
        paymentMethodId: method.paymentMethodId,
        idempotencyKey: `${inFlight.invoice.invoiceId}:charge:${inFlight.attempt}`,
      },
    ],
  };
}

/** The account closed as of `now` (CAN-2, and TERM-1's termination): nothing scheduled survives. */
export function closeAccount(state: AccountState, now: number): AccountState {
  return cancelled(state, now);
}

function cancelled(state: AccountState, now: number): AccountState {
  return {
    ...state,
    status: 'cancelled',
    cancelledAt: now,
    pendingCancellation: null,
    opsNotice: null,
    opsSuspension: null,
    charge: null,
    unpaid: null,
    dunning: null,
    pendingChange: null,
  };
}

function email(
  state: AccountState,
  template: EmailTemplate,
  key: string,
): Extract<AccountEffect, { kind: 'send_email' }> {
  return { kind: 'send_email', template, idempotencyKey: `${state.accountId}:email:${key}` };
}

/** What the account looks like to its owner, support and ops. */
export interface AccountView extends OpsView {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly suspensionReason: SuspensionReason | null;
  readonly planId: string;
  readonly planName: string;
  readonly seats: number;
  readonly cycle: Cycle;
  readonly periodPrice: Money;
  readonly trialEndsAt: string | null;
  readonly currentPeriod: { readonly start: string; readonly end: string } | null;
  readonly nextDeadline: {
    readonly at: string;
    readonly action: DeadlineAction;
    readonly description: string;
  } | null;
  readonly hasPaymentMethod: boolean;
  readonly pendingCancellationAt: string | null;
  readonly cancelledAt: string | null;
  /** Terms scheduled for the next renewal (PAY-3). */
  readonly pendingChange: {
    readonly planId: string;
    readonly seats: number;
    readonly cycle: Cycle;
    readonly periodPrice: Money;
  } | null;
  /** Agent seats in use, as last reported by the product (PAY-4). */
  readonly seatsInUse: number;
  /** When a declined renewal first failed, while it is being retried (PAY-13). */
  readonly paymentFailedAt: string | null;
  /** PAY-6: flagged for an enterprise offer by reported usage (for ops; changes nothing). */
  readonly enterpriseReview: { readonly flaggedAt: string; readonly reason: string } | null;
  /** ACCT-2: a shared login will be surcharged on the next invoice. */
  readonly sharedLoginSurchargePending: boolean;
  /** INACT-1: the last recorded activity. */
  readonly lastActivityAt: string;
  /** INACT-2 / CAN-3: when the account will be deleted if nothing changes, or null. */
  readonly deletionDueAt: string | null;
  readonly erasedAt: string | null;
  /** PAY-11, PAY-12: the prepaid credit, its balance and projected end; null if none. */
  readonly prepaidCredit: PrepaidCreditView | null;
}

const deadlineDescriptions: Record<DeadlineAction, string> = {
  end_trial: 'The trial ends; without a payment method the account is suspended (PAY-1b).',
  renew: 'The next period starts and is charged in advance (PAY-1d).',
  retry_payment:
    'The declined renewal is charged again; suspension follows the last retry (PAY-13).',
  cancel: 'The cancellation filed with support takes effect (CAN-1).',
  warn_inactive: 'No activity for 28 days: the owner is warned of the deletion (INACT-1).',
  delete_inactive: 'No activity for 56 days: the account and its content are deleted (INACT-2).',
  erase: "The cancelled account's content is erased, irreversibly (CAN-3).",
  credit_runs_out:
    'The prepaid credit runs out; a new period starts then and is charged in advance (PAY-11).',
  coupon_invoice: 'The month ends; its extra seats are invoiced by seat-time (LTD-5).',
  coupon_suspend:
    'The grace period for billing details ends; without them the account is suspended (LTD-10).',
  ops_suspend: 'The suspension announced to the owner takes effect (TERM-1).',
  ops_terminate:
    'The termination announced to the owner takes effect; it is irreversible (TERM-1).',
};

/** `now`, when given, is the instant the prepaid credit's remaining balance is shown for. */
export function viewAccount(state: AccountState, now?: number): AccountView {
  const deadline = nextDeadline(state);
  const period: Period | null = state.billing
    ? periodAt(state.billing.anchor, state.cycle, state.billing.periodIndex)
    : null;
  return {
    accountId: state.accountId,
    status: state.status,
    suspensionReason: state.suspensionReason,
    planId: state.plan.planId,
    planName: state.plan.name,
    seats: state.seats,
    cycle: state.cycle,
    periodPrice: state.coupon
      ? couponMonthlyPrice(state.coupon.terms, state.seats)
      : periodPrice(state.plan, state.seats, state.cycle),
    trialEndsAt: state.status === 'trialing' ? iso(state.trialEndsAt) : null,
    currentPeriod: period ? { start: iso(period.start)!, end: iso(period.end)! } : null,
    nextDeadline: deadline
      ? {
          at: iso(deadline.at)!,
          action: deadline.action,
          description: deadlineDescriptions[deadline.action],
        }
      : null,
    hasPaymentMethod: state.paymentMethod !== null,
    pendingCancellationAt: iso(state.pendingCancellation?.effectiveAt ?? null),
    cancelledAt: iso(state.cancelledAt),
    pendingChange: state.pendingChange
      ? {
          planId: state.pendingChange.plan.planId,
          seats: state.pendingChange.seats,
          cycle: state.pendingChange.cycle,
          periodPrice: periodPrice(
            state.pendingChange.plan,
            state.pendingChange.seats,
            state.pendingChange.cycle,
          ),
        }
      : null,
    seatsInUse: state.seatsInUse,
    paymentFailedAt: iso(state.dunning?.failedAt ?? null),
    enterpriseReview: state.enterpriseReview
      ? { flaggedAt: iso(state.enterpriseReview.flaggedAt)!, reason: state.enterpriseReview.reason }
      : null,
    sharedLoginSurchargePending: state.sharedLogin !== null,
    lastActivityAt: iso(state.lastActivityAt)!,
    deletionDueAt: iso(scheduledDeletion(state)),
    erasedAt: iso(state.erasure?.erasedAt ?? null),
    prepaidCredit: viewCredit(state, now),
    ...viewOps(state),
  };
}

function scheduledDeletion(state: AccountState): number | null {
  if (state.status === 'deleted') return null;
  if (state.status === 'cancelled') {
    return state.cancelledAt === null ? null : erasureDueAt(state.cancelledAt);
  }
  return deletionDueAt(state);
}

function iso(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}
