/** The read side of the PAY-5 fan-out: which accounts a price change concerns. */
import type pg from 'pg';
import type { PriceChangeActivities } from './price-change-contract';

/** Read-model statuses of accounts that will never be billed again. */
const ENDED_STATUSES = ['cancelled', 'terminated', 'deleted'];

export function createPriceChangeActivities(deps: {
  readonly pool: pg.Pool;
}): PriceChangeActivities {
  return {
    async listAccountsOnPlan({ planId, currency, after, limit }) {
      const found = await deps.pool.query<{ account_id: string }>(
        `SELECT account_id FROM accounts
          WHERE plan_id = $1 AND currency = $2 AND NOT (status = ANY($3::text[]))
            AND ($4::text IS NULL OR account_id > $4)
          ORDER BY account_id
          LIMIT $5`,
        [planId, currency, ENDED_STATUSES, after, limit],
      );
      return found.rows.map((row) => row.account_id);
    },
  };
}
