/**
 * Plan, seat and cycle changes in the middle of a period (PAY-2a, PAY-2b, PAY-3, PAY-4), as a
 * pure function of the account, the requested terms and `now`.
 *
 * The rules (also in README.md, "Billing rules"):
 * - same cycle, higher period price, non-monthly cycle: the prorated difference is charged now
 *   on its own invoice; the new terms apply once it is paid, and the next renewal uses them
 *   (PAY-2a);
 * - same cycle, higher period price, monthly cycle: nothing is charged now; the new terms apply
 *   at once and the next renewal is at the new price (PAY-2b);
 * - same cycle, equal or lower period price: nothing is charged or credited; the new terms apply
 *   at the next renewal (PAY-3);
 * - monthly to annual: an upgrade of the period: a new annual period starts now and is charged
 *   now in full; the unused part of the month is not credited (PAY-2a, PAY-3);
 * - annual to monthly: takes effect at the next renewal, nothing credited (PAY-3);
 * - seats below the seats in use need an explicit confirmation naming what is lost (PAY-4);
 * - seats outside the plan's limits are refused; during the trial a change applies at once and
 *   the first charge uses it;
 * - while a prepaid credit pays for the account's time (PAY-11), a change of plan or seats
 *   applies at once and charges or refunds nothing: the credit is drawn at the new price from
 *   now, so it ends sooner (more seats) or later (fewer); the cycle cannot change while a credit
 *   is running.
 */
import { periodPrice, type PlanTerms } from './catalog';
import { linesInvoice, prorationLine, subscriptionInvoice, type InvoiceDraft } from './invoice';
import { formatMoney, zero, type Money } from './money';
import { isoDate, periodAt, type Cycle } from './periods';
import type { AccountState, Refusal } from './account';
import { creditChangeQuote, creditDrawing, liveCredit } from './credit';

/** The terms an account asks to move to. */
export interface PlanChange {
  readonly plan: PlanTerms;
  readonly seats: number;
  readonly cycle: Cycle;
}

export interface PlanChangeRequest extends PlanChange {
  /** PAY-4: the number of in-use seats the owner accepts to lose, when seats go below use. */
  readonly confirmSeatsRemoved?: number;
}

export type ChangeKind =
  | 'trial_change'
  | 'upgrade_prorated'
  | 'upgrade_next_renewal'
  | 'downgrade'
  | 'switch_to_annual'
  | 'switch_to_monthly'
  | 'cancel_pending_change'
  | 'prepaid_credit';

/** What a change does, as shown to the owner before (preview) and after accepting it. */
export interface ChangeQuote {
  readonly kind: ChangeKind;
  /** When the new terms take effect: now, or at the next renewal. */
  readonly effective: 'now' | 'next_renewal';
  readonly clause: string;
  readonly explanation: string;
  /** What is charged now (zero if nothing). */
  readonly chargeNow: Money;
  /** The next regular invoice under the new terms, if one is scheduled. */
  readonly nextInvoice: { readonly at: string; readonly amount: Money } | null;
}

/** How the state moves: applied now, applied after a charge, or kept for the next renewal. */
export type ChangePlan =
  | { readonly apply: 'now' }
  | { readonly apply: 'next_renewal' }
  | {
      readonly apply: 'after_charge';
      readonly invoice: InvoiceDraft;
      /** The billing position once the charge is paid. */
      readonly anchor: number;
      readonly periodIndex: number;
    };

export type ChangeDecision =
  | { readonly ok: true; readonly quote: ChangeQuote; readonly plan: ChangePlan }
  | { readonly ok: false; readonly refusal: Refusal };

/**
 * Checks that need no catalog lookup (the update validator runs them before `loadPlan`):
 * closed, suspended, a charge in flight, and the PAY-4 confirmation.
 */
export function refuseChangeEarly(
  state: AccountState,
  request: { readonly seats: number; readonly confirmSeatsRemoved?: number },
): Refusal | null {
  if (state.status === 'cancelled') {
    return {
      code: 'ACCOUNT_CLOSED',
      message: 'The account is cancelled; nothing more can be changed or charged.',
      clause: 'CAN-2',
    };
  }
  if (state.coupon) {
    return {
      code: 'PLAN_FIXED_BY_COUPON',
      message:
        'A lifetime-deal account keeps its plan; extra seats are billed by seat-time instead.',
      clause: 'LTD-4',
    };
  }
  if (state.status === 'suspended') {
    return {
      code: 'ACCOUNT_SUSPENDED',
      message: 'The account is suspended; attach a payment method before changing its plan.',
      clause: state.suspensionReason === 'trial_expired' ? 'PAY-1b' : 'PAY-13',
    };
  }
  if (state.charge) {
    return {
      code: 'CHARGE_IN_PROGRESS',
      message: 'A charge for this account is in progress; try again in a moment.',
    };
  }
  const inUse = state.seatsInUse ?? 0;
  if (request.seats < inUse) {
    const lost = inUse - request.seats;
    if (request.confirmSeatsRemoved !== lost) {
      return {
        code: 'CONFIRMATION_REQUIRED',
        message:
          `Lowering the seats to ${request.seats} removes ${lost} of the ${inUse} agent ` +
          `seat${inUse === 1 ? '' : 's'} in use: ${lost} agent login${lost === 1 ? '' : 's'} ` +
          `and ${lost === 1 ? 'its' : 'their'} access will be lost when the change takes ` +
          `effect. Repeat the request with confirmSeatsRemoved = ${lost} to accept.`,
        clause: 'PAY-4',
      };
    }
  }
  return null;
}

/** Every refusal of a change, once the new plan's terms are known from the catalog. */
export function refuseChange(state: AccountState, request: PlanChangeRequest): Refusal | null {
  const early = refuseChangeEarly(state, request);
  if (early) return early;
  const { plan, seats } = request;
  if (plan.currency !== state.plan.currency) {
    return {
      code: 'CURRENCY_NOT_OFFERED',
      message:
        `The account is billed in ${state.plan.currency}; plan "${plan.planId}" was given in ` +
        `${plan.currency}.`,
    };
  }
  if (!Number.isSafeInteger(seats) || seats < plan.minSeats || seats > plan.maxSeats) {
    return {
      code: 'SEATS_OUT_OF_RANGE',
      message:
        `Plan "${plan.planId}" allows ${plan.minSeats} to ${plan.maxSeats} seats; ${seats} ` +
        'were asked for.',
    };
  }
  if (request.cycle !== state.cycle && liveCredit(state)) {
    return {
      code: 'PREPAID_CREDIT_ACTIVE',
      message:
        `A prepaid credit is drawn on the ${state.cycle} cycle; the cycle can change once the ` +
        'credit is used up.',
      clause: 'PAY-11',
    };
  }
  if (sameAsCurrent(state, request) && (state.status === 'trialing' || !state.pendingChange)) {
    return { code: 'NO_CHANGE', message: 'The requested terms are the account’s current terms.' };
  }
  return null;
}

function sameAsCurrent(state: AccountState, change: PlanChange): boolean {
  return (
    change.plan.planId === state.plan.planId &&
    change.seats === state.seats &&
    change.cycle === state.cycle &&
    samePrices(change.plan, state.plan)
  );
}

/** The whole decision about a requested change at `now`. */
export function decideChange(
  state: AccountState,
  request: PlanChangeRequest,
  now: number,
): ChangeDecision {
  const refusal = refuseChange(state, request);
  if (refusal) return { ok: false, refusal };
  const { plan, seats, cycle } = request;

  if (state.status === 'trialing' || !state.billing) {
    return {
      ok: true,
      plan: { apply: 'now' },
      quote: {
        kind: 'trial_change',
        effective: 'now',
        clause: 'PAY-1c',
        explanation:
          'During the trial the change applies at once; the first period is charged at the new ' +
          'price when a payment method is attached.',
        chargeNow: zero(plan.currency),
        nextInvoice:
          state.trialEndsAt === null
            ? null
            : { at: iso(state.trialEndsAt), amount: periodPrice(plan, seats, cycle) },
      },
    };
  }

  if (creditDrawing(state)) {
    return {
      ok: true,
      plan: { apply: 'now' },
      quote: creditChangeQuote(state, { plan, seats, cycle }, now),
    };
  }

  const period = periodAt(state.billing.anchor, state.cycle, state.billing.periodIndex);
  const nextAtNewTerms = { at: iso(period.end), amount: periodPrice(plan, seats, cycle) };

  if (sameAsCurrent(state, request)) {
    return {
      ok: true,
      plan: { apply: 'next_renewal' },
      quote: {
        kind: 'cancel_pending_change',
        effective: 'next_renewal',
        clause: 'PAY-3',
        explanation: 'The change scheduled for the next renewal is withdrawn; the terms stay.',
        chargeNow: zero(plan.currency),
        nextInvoice: nextAtNewTerms,
      },
    };
  }

  if (cycle !== state.cycle) {
    if (cycle === 'annual') {
      // Monthly to annual: a new annual period from now, charged in full now; the unused
      // part of the month is not credited (PAY-3).
      const invoice = subscriptionInvoice({
        invoiceId: '',
        accountId: state.accountId,
        plan,
        seats,
        cycle,
        period: periodAt(now, cycle, 0),
        first: false,
        clause: 'PAY-2a',
      });
      return {
        ok: true,
        plan: { apply: 'after_charge', invoice, anchor: now, periodIndex: 0 },
        quote: {
          kind: 'switch_to_annual',
          effective: 'now',
          clause: 'PAY-2a',
          explanation:
            `A new annual period starts now and is charged in full (${formatMoney(
              periodPrice(plan, seats, cycle),
            )}); the rest of the current month (until ${isoDate(period.end)}) is not credited ` +
            '(PAY-3).',
          chargeNow: periodPrice(plan, seats, cycle),
          nextInvoice: {
            at: iso(periodAt(now, cycle, 0).end),
            amount: periodPrice(plan, seats, cycle),
          },
        },
      };
    }
    return {
      ok: true,
      plan: { apply: 'next_renewal' },
      quote: {
        kind: 'switch_to_monthly',
        effective: 'next_renewal',
        clause: 'PAY-3',
        explanation:
          `The prepaid annual period runs to its end (${isoDate(period.end)}); monthly billing ` +
          'at the new terms starts then. Nothing is credited.',
        chargeNow: zero(plan.currency),
        nextInvoice: nextAtNewTerms,
      },
    };
  }

  const oldPrice = periodPrice(state.plan, state.seats, cycle);
  const newPrice = periodPrice(plan, seats, cycle);
  if (newPrice.amount <= oldPrice.amount) {
    return {
      ok: true,
      plan: { apply: 'next_renewal' },
      quote: {
        kind: 'downgrade',
        effective: 'next_renewal',
        clause: 'PAY-3',
        explanation:
          `The current period stays as paid; from ${isoDate(period.end)} the period price is ` +
          `${formatMoney(newPrice)}. Nothing is refunded or credited.`,
        chargeNow: zero(plan.currency),
        nextInvoice: nextAtNewTerms,
      },
    };
  }
  if (cycle === 'monthly') {
    return {
      ok: true,
      plan: { apply: 'now' },
      quote: {
        kind: 'upgrade_next_renewal',
        effective: 'now',
        clause: 'PAY-2b',
        explanation:
          'On a monthly cycle an upgrade charges nothing now; the new price ' +
          `(${formatMoney(newPrice)}) applies from the next renewal on ${isoDate(period.end)}.`,
        chargeNow: zero(plan.currency),
        nextInvoice: nextAtNewTerms,
      },
    };
  }
  const line = prorationLine({
    oldPrice,
    newPrice,
    period,
    now,
    description:
      `Upgrade from ${state.plan.name} x ${state.seats} to ${plan.name} x ${seats} ` +
      `(${cycle}), prorated for ${isoDate(now)} to ${isoDate(period.end)}`,
  });
  const invoice = linesInvoice({
    invoiceId: '',
    accountId: state.accountId,
    currency: plan.currency,
    period: { start: line.periodStart, end: period.end },
    lines: [line],
  });
  return {
    ok: true,
    plan:
      line.amount > 0
        ? {
            apply: 'after_charge',
            invoice,
            anchor: state.billing.anchor,
            periodIndex: state.billing.periodIndex,
          }
        : { apply: 'now' },
    quote: {
      kind: 'upgrade_prorated',
      effective: 'now',
      clause: 'PAY-2a',
      explanation:
        `The difference for the rest of the period is charged now: ${line.formula!}; the next ` +
        `renewal on ${isoDate(period.end)} is at ${formatMoney(newPrice)}.`,
      chargeNow: { amount: line.amount, currency: plan.currency },
      nextInvoice: nextAtNewTerms,
    },
  };
}

function samePrices(a: PlanTerms, b: PlanTerms): boolean {
  return a.seatPrice.monthly === b.seatPrice.monthly && a.seatPrice.annual === b.seatPrice.annual;
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
