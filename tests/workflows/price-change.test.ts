/**
 * PAY-5 fan-out on the time-skipping server: the price-change workflow tells every account the
 * read model lists for the plan, page after page, and counts those whose workflow has ended.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { PriceChangeActivities } from '../../activities/price-change-contract';
import { accountWorkflow, priceChangeWorkflow } from '../../workflows';
import { accountWorkflowId, priceChangeWorkflowId } from '../../workflows/ids';
import type { PriceChangeInput } from '../../workflows/messages';
import { PRICE_CHANGE_PAGE_SIZE } from '../../workflows/price-change';
import { startTimeSkipping } from './environment';
import { fakeActivities, teamPlan } from './fakes';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  env = await startTimeSkipping();
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

test('PAY-5: every running account on the plan is told once, over several pages; ended ones are counted as skipped', async () => {
  const taskQueue = 'price-change-fan-out';
  const running = ['acc_pc_0001', 'acc_pc_0250'];
  // More ids than one page holds; all but two have no workflow (ended, or never started).
  const listed = Array.from(
    { length: PRICE_CHANGE_PAGE_SIZE + 60 },
    (_, i) => `acc_pc_${String(i).padStart(4, '0')}`,
  );
  const pagesAsked: (string | null)[] = [];
  const listAccountsOnPlan: PriceChangeActivities['listAccountsOnPlan'] = ({ after, limit }) => {
    pagesAsked.push(after);
    const from = after === null ? 0 : listed.indexOf(after) + 1;
    return Promise.resolve(listed.slice(from, from + limit));
  };
  const activities = fakeActivities();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { ...activities, listAccountsOnPlan },
  });
  await worker.runUntil(async () => {
    const accounts = await Promise.all(
      running.map((accountId) =>
        env.client.workflow.start(accountWorkflow, {
          taskQueue,
          workflowId: accountWorkflowId(accountId),
          args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
        }),
      ),
    );
    const change: PriceChangeInput = {
      changeId: 'price-2027-team',
      planId: 'team',
      currency: 'USD',
      seatPrice: { monthly: 2500, annual: 24000 },
    };

    const outcome = await env.client.workflow.execute(priceChangeWorkflow, {
      taskQueue,
      workflowId: priceChangeWorkflowId(change.changeId),
      args: [{ change }],
    });

    expect(outcome).toEqual({ changeId: change.changeId, notified: 2, skipped: listed.length - 2 });
    expect(pagesAsked).toEqual([null, listed[PRICE_CHANGE_PAGE_SIZE - 1]]);
    // Each account's own workflow noticed the change: one notice per owner, at the new price.
    const notices = activities.emails.filter((email) => email.template === 'price_change_notice');
    expect(notices.map((email) => email.accountId).sort()).toEqual(running);
    for (const notice of notices) {
      expect(notice).toMatchObject({ amount: { amount: 5000, currency: 'USD' } });
    }
    await Promise.all(accounts.map((handle) => handle.terminate('test finished')));
  });
}, 300_000);
