/**
 * The activity of the PAY-5 fan-out, by name and shape. Workflows import this file for types
 * only; `createPriceChangeActivities(deps)` in `price-changes.ts` implements it.
 */
import type { Currency } from '../workflows/policy/money';

export interface PriceChangeActivities {
  /**
   * One page of the ids of accounts on the plan in the currency whose workflow may still bill
   * (not cancelled, terminated or deleted), in account id order, after `after` (exclusive).
   */
  listAccountsOnPlan(input: {
    planId: string;
    currency: Currency;
    after: string | null;
    limit: number;
  }): Promise<string[]>;
}
