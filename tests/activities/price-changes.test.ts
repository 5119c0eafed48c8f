/** The accounts a PAY-5 price change concerns, read from the real read model. */
import type pg from 'pg';
import { createPriceChangeActivities } from '../../activities/price-changes';
import { createTestPool, uniqueId } from '../support/db';

let pool: pg.Pool;
/** A plan id of this file's own, so that other test files' accounts never appear. */
const planId = uniqueId('plan');

async function account(status: string, plan = planId, currency = 'USD'): Promise<string> {
  const accountId = uniqueId(`acc-${status}`);
  await pool.query(
    `INSERT INTO accounts (account_id, signup_id, status, plan_id, seats, cycle, currency)
     VALUES ($1, $2, $3, $4, 1, 'monthly', $5)`,
    [accountId, uniqueId('signup'), status, plan, currency],
  );
  return accountId;
}

beforeAll(async () => {
  pool = await createTestPool(2);
});

afterAll(async () => {
  await pool?.end();
});

test('PAY-5: lists the accounts on the plan in its currency that may still be billed, page by page', async () => {
  const billable = await Promise.all(
    ['trialing', 'active', 'suspended', 'active', 'active'].map((status) => account(status)),
  );
  await account('cancelled');
  await account('deleted');
  await account('active', uniqueId('other-plan'));
  await account('active', planId, 'EUR');
  const { listAccountsOnPlan } = createPriceChangeActivities({ pool });

  const pages: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const page: string[] = await listAccountsOnPlan({ planId, currency: 'USD', after, limit: 2 });
    pages.push(page);
    if (page.length < 2) break;
    after = page[page.length - 1] ?? null;
  }

  expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
  expect(pages.flat()).toEqual([...billable].sort());
});
