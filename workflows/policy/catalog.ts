import type { Currency, Money } from './money';
import type { Cycle } from './periods';

/** The longest trial any plan may have (PAY-1a). */
export const MAX_TRIAL_DAYS = 14;

/** One plan's terms in one currency, as the account workflow holds them. */
export interface PlanTerms {
  readonly planId: string;
  readonly name: string;
  readonly currency: Currency;
  /** Price of one seat for one period, in minor units. */
  readonly seatPrice: { readonly monthly: number; readonly annual: number };
  readonly trialDays: number;
  readonly minSeats: number;
  readonly maxSeats: number;
}

/** The catalog as data: plans with prices per currency. */
export interface CatalogPlan {
  readonly planId: string;
  readonly name: string;
  readonly trialDays: number;
  readonly minSeats: number;
  readonly maxSeats: number;
  readonly prices: Partial<Record<Currency, { readonly monthly: number; readonly annual: number }>>;
}

export interface Catalog {
  readonly plans: readonly CatalogPlan[];
}

export type PlanLookup =
  | { readonly ok: true; readonly plan: PlanTerms }
  | {
      readonly ok: false;
      readonly code: 'UNKNOWN_PLAN' | 'CURRENCY_NOT_OFFERED';
      readonly message: string;
    };

export function resolvePlan(catalog: Catalog, planId: string, currency: Currency): PlanLookup {
  const plan = catalog.plans.find((candidate) => candidate.planId === planId);
  if (!plan) return { ok: false, code: 'UNKNOWN_PLAN', message: `There is no plan "${planId}".` };
  const price = plan.prices[currency];
  if (!price) {
    return {
      ok: false,
      code: 'CURRENCY_NOT_OFFERED',
      message: `Plan "${planId}" is not offered in ${currency}.`,
    };
  }
  return {
    ok: true,
    plan: {
      planId: plan.planId,
      name: plan.name,
      currency,
      seatPrice: { monthly: price.monthly, annual: price.annual },
      trialDays: Math.min(plan.trialDays, MAX_TRIAL_DAYS),
      minSeats: plan.minSeats,
      maxSeats: plan.maxSeats,
    },
  };
}

/** Price of a full period for `seats` seats on `cycle` (PAY-1d). */
export function periodPrice(plan: PlanTerms, seats: number, cycle: Cycle): Money {
  return { amount: plan.seatPrice[cycle] * seats, currency: plan.currency };
}
