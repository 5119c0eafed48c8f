/**
 * The account's life under the terms, as one pure function:
 * `decide(state, input, now) -> { state, effects }`.
 *
 * The workflow feeds it inputs (commands from people, facts from the outside world, deadlines
 * reached and the outcomes of effects) and runs the effects it returns through activities.
 * Nothing here knows about Temporal, databases or clocks.
 */
import { periodPrice, type PlanTerms } from './catalog';
import { invoiceId, subscriptionInvoice, type InvoiceDraft } from './invoice';
import type { Money } from './money';
import {
  deletionDueAt,
  erasureDueAt,
  inactivityDeadline,
  recordActivity,
  type ErasureReason,
} from './lifecycle';
import { addDays, endOfNextBusinessDay, periodAt, type Cycle, type Period } from './periods';
import {
  COUPON_PAYMENT_METHOD_TYPES,
  couponDeadline,
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

/** `deleted`: the account's content is erased (CAN-3, INACT-2); its workflow has ended. */
export type AccountStatus = 'trialing' | 'active' | 'suspended' | 'cancelled' | 'deleted';
export type SuspensionReason =
  'trial_expired' | 'payment_failed' | 'billing_details_missing' | 'code_abuse';
export type EmailTemplate =
  | 'receipt'
  | 'trial_expired'
  | 'payment_failed'
  | 'account_stopped'
  | 'cancellation_confirmed'
  | 'account_cancelled'
  | 'inactivity_warning'
  | 'seats_over_included'
  | 'billing_details_required'
  | 'billing_details_suspended'
  | 'code_abuse_suspended';

/** A charge that has been decided and not yet settled. */
export interface ChargeInFlight {
  readonly invoice: InvoiceDraft;
  readonly periodIndex: number;
  readonly attempt: number;
}

export interface AccountState {
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
  /** A renewal that could not be paid (PAY-13): charged again when a new card arrives. */
  readonly unpaid: ChargeInFlight | null;
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
  | { readonly kind: 'support_cancellation_requested'; readonly holidays: readonly string[] }
  | { readonly kind: 'charge_succeeded'; readonly invoiceId: string; readonly paymentId: string }
  | {
      readonly kind: 'charge_failed';
      readonly invoiceId: string;
      readonly code: string;
      readonly message: string;
    }
  | CouponInput;

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
    }
  | {
      /** CAN-3: erase the account's personal data and content, keeping issued invoices. */
      readonly kind: 'erase_account';
      readonly reason: ErasureReason;
      readonly idempotencyKey: string;
    }
  | {
      /** CAN-3: the product hears of the erasure through a signed webhook, until it acknowledges. */
      readonly kind: 'notify_account_deleted';
      readonly reason: ErasureReason;
      readonly erasedAt: number;
      readonly idempotencyKey: string;
    };

export interface Decision {
  readonly state: AccountState;
  readonly effects: readonly AccountEffect[];
}

export type DeadlineAction =
  | 'end_trial'
  | 'renew'
  | 'cancel'
  | 'warn_inactive'
  | 'delete_inactive'
  | 'erase'
  | CouponDeadlineAction;

export interface Deadline {
  readonly at: number;
  readonly action: DeadlineAction;
}

export type RefusalCode = 'ACCOUNT_CLOSED' | 'CHARGE_IN_PROGRESS' | CouponRefusalCode;

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
    pendingCancellation: null,
    cancelledAt: null,
    invoiceCount: 0,
    lastActivityAt: args.now,
    inactivityWarnedFor: null,
    erasure: null,
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
  const billing = state.coupon ? couponDeadline(state) : billingDeadline(state);
  // INACT-1/2 run beside billing. On a tie a deletion goes first, so an account due for
  // deletion is never charged for another period; a warning waits for the renewal.
  const inactivity = inactivityDeadline(state);
  if (billing === null || inactivity.at < billing.at) return inactivity;
  return inactivity.at === billing.at && inactivity.action === 'delete_inactive'
    ? inactivity
    : billing;
}

function billingDeadline(state: AccountState): Deadline | null {
  const renewal =
    state.status === 'active' && state.billing
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
  if (renewal !== null) return { at: renewal, action: 'renew' };
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
      clause: state.erasure?.reason === 'inactivity' ? 'INACT-2' : 'CAN-3',
    };
  }
  switch (input.kind) {
    case 'payment_method_submitted':
      if (state.status === 'cancelled') return closed;
      if (state.charge) {
        return {
          code: 'CHARGE_IN_PROGRESS',
          message: 'A charge for this account is in progress; try again in a moment.',
        };
      }
      return null;
    case 'support_cancellation_requested':
      return state.status === 'cancelled' ? closed : null;
    case 'coupon_seats_changed':
    case 'billing_details_checked':
    case 'code_abuse_reported':
      return refuseCoupon(state, input);
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
    case 'support_cancellation_requested':
      return onSupportCancellation(state, input.holidays, now);
    case 'charge_succeeded':
      if (isCouponCharge(state, input.invoiceId)) {
        return onCouponChargeSucceeded(state, input.invoiceId);
      }
      return onChargeSucceeded(state, input.invoiceId, now);
    case 'charge_failed':
      if (isCouponCharge(state, input.invoiceId)) {
        return onCouponChargeFailed(state, input.invoiceId);
      }
      return onChargeFailed(state, input.invoiceId);
    case 'coupon_seats_changed':
    case 'billing_details_checked':
    case 'code_abuse_reported':
      return decideCoupon(state, input, now);
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
      // PAY-1d: each period is charged at its start.
      const billing = state.billing!;
      return startCharge(state, billing.anchor, billing.periodIndex + 1, 1);
    }
    case 'cancel':
      // Effective as of its deadline, however late the timer that noticed it fired.
      return {
        state: cancelled(state, due.at),
        effects: [email(state, 'account_cancelled', 'cancelled')],
      };
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
      return erase(state, 'cancelled', now);
    case 'coupon_invoice':
    case 'coupon_suspend':
      return onCouponDeadline(state, due, now);
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
    ],
  };
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
  if (state.status === 'suspended' && state.unpaid) {
    // PAY-13: a new card pays what is due: the unpaid period while it is still running,
    // otherwise a fresh period from now.
    const { unpaid } = state;
    const anchor = state.billing!.anchor;
    const period = periodAt(anchor, state.cycle, unpaid.periodIndex);
    if (now < period.end) return retryCharge(withCard, unpaid);
    return startCharge({ ...withCard, unpaid: null }, now, 0, 1);
  }
  // PAY-7: an active account may replace its card at any time; nothing is charged.
  return unchanged(withCard);
}

function onStop(state: AccountState, now: number): Decision {
  if (state.status === 'cancelled' || state.status === 'deleted') return unchanged(state);
  // CAN-2: cancelled at once; nothing scheduled survives.
  return {
    state: cancelled(state, now),
    effects: [email(state, 'account_stopped', 'stopped')],
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

function onChargeSucceeded(state: AccountState, id: string, now: number): Decision {
  const charge = state.charge;
  if (!charge || charge.invoice.invoiceId !== id) return unchanged(state);
  const anchor = charge.periodIndex === 0 ? charge.invoice.periodStart : state.billing!.anchor;
  const next: AccountState = {
    ...state,
    status: 'active',
    suspensionReason: null,
    trialEndsAt: state.status === 'trialing' ? now : state.trialEndsAt,
    billing: { anchor, periodIndex: charge.periodIndex },
    charge: null,
    unpaid: null,
  };
  // PAY-7: a receipt after every successful charge.
  return { state: next, effects: [{ ...email(state, 'receipt', `${id}:receipt`), invoiceId: id }] };
}

function onChargeFailed(state: AccountState, id: string): Decision {
  const charge = state.charge;
  if (!charge || charge.invoice.invoiceId !== id) return unchanged(state);
  if (charge.periodIndex === 0 && !state.unpaid && state.status !== 'active') {
    // The card offered to start billing did not pay: nothing changes but the card is dropped.
    return unchanged({ ...state, charge: null, paymentMethod: null });
  }
  // PAY-13: a period that cannot be paid is not served.
  return {
    state: {
      ...state,
      status: 'suspended',
      suspensionReason: 'payment_failed',
      charge: null,
      unpaid: charge,
      paymentMethod: null,
    },
    effects: [email(state, 'payment_failed', `${id}:payment-failed:${charge.attempt}`)],
  };
}

function startCharge(
  state: AccountState,
  anchor: number,
  periodIndex: number,
  attempt: number,
): Decision {
  const sequence = state.invoiceCount + 1;
  const invoice = subscriptionInvoice({
    invoiceId: invoiceId(state.accountId, sequence),
    accountId: state.accountId,
    plan: state.plan,
    seats: state.seats,
    cycle: state.cycle,
    period: periodAt(anchor, state.cycle, periodIndex),
    first: periodIndex === 0,
  });
  return charge({ ...state, invoiceCount: sequence }, { invoice, periodIndex, attempt });
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

function cancelled(state: AccountState, now: number): AccountState {
  return {
    ...state,
    status: 'cancelled',
    cancelledAt: now,
    pendingCancellation: null,
    charge: null,
    unpaid: null,
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
export interface AccountView {
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
  /** INACT-1: the last recorded activity. */
  readonly lastActivityAt: string;
  /** INACT-2 / CAN-3: when the account will be deleted if nothing changes, or null. */
  readonly deletionDueAt: string | null;
  readonly erasedAt: string | null;
}

const deadlineDescriptions: Record<DeadlineAction, string> = {
  end_trial: 'The trial ends; without a payment method the account is suspended (PAY-1b).',
  renew: 'The next period starts and is charged in advance (PAY-1d).',
  cancel: 'The cancellation filed with support takes effect (CAN-1).',
  warn_inactive: 'No activity for 28 days: the owner is warned of the deletion (INACT-1).',
  delete_inactive: 'No activity for 56 days: the account and its content are deleted (INACT-2).',
  erase: "The cancelled account's content is erased, irreversibly (CAN-3).",
  coupon_invoice: 'The month ends; its extra seats are invoiced by seat-time (LTD-5).',
  coupon_suspend:
    'The grace period for billing details ends; without them the account is suspended (LTD-10).',
};

export function viewAccount(state: AccountState): AccountView {
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
    periodPrice: periodPrice(state.plan, state.seats, state.cycle),
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
    lastActivityAt: iso(state.lastActivityAt)!,
    deletionDueAt: iso(scheduledDeletion(state)),
    erasedAt: iso(state.erasure?.erasedAt ?? null),
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
