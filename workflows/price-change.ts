/**
 * PAY-5 fan-out: one workflow per announced price change, with id `price-change:<changeId>`,
 * tells every account on the plan by signalling its workflow, a page of accounts at a time.
 * It is durable where an API request is not: a crash of any process resumes the fan-out at the
 * page it was on, and an account workflow ignores a change id it has already heard, so a
 * page told twice changes nothing. The accounts then notify their owners and apply the price
 * from their first renewal at least 30 days after the notice (the account policy).
 */
import {
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { PriceChangeActivities } from '../activities/price-change-contract';
import { accountWorkflowId } from './ids';
import { priceChangeSignal } from './messages';
import type {
  PriceChangeOutcome,
  PriceChangeProgress,
  PriceChangeWorkflowInput,
} from './price-change-messages';

/** Accounts read and signalled at once. */
export const PRICE_CHANGE_PAGE_SIZE = 200;
/** Pages per run before continuing as new, so that the history stays small (3 events a signal). */
const PAGES_PER_RUN = 10;

const { listAccountsOnPlan } = proxyActivities<PriceChangeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function priceChangeWorkflow(
  input: PriceChangeWorkflowInput,
): Promise<PriceChangeOutcome> {
  const { change } = input;
  let progress: PriceChangeProgress = input.progress ?? { after: null, notified: 0, skipped: 0 };
  for (let pages = 0; ; pages += 1) {
    if (pages >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof priceChangeWorkflow>({ change, progress });
    }
    const page = await listAccountsOnPlan({
      planId: change.planId,
      currency: change.currency,
      after: progress.after,
      limit: PRICE_CHANGE_PAGE_SIZE,
    });
    // A signal to an account whose workflow has ended fails: that account is never billed again.
    const told = await Promise.allSettled(
      page.map((accountId) =>
        getExternalWorkflowHandle(accountWorkflowId(accountId)).signal(priceChangeSignal, change),
      ),
    );
    const notified = told.filter((result) => result.status === 'fulfilled').length;
    progress = {
      after: page[page.length - 1] ?? progress.after,
      notified: progress.notified + notified,
      skipped: progress.skipped + (page.length - notified),
    };
    if (page.length < PRICE_CHANGE_PAGE_SIZE) {
      return { changeId: change.changeId, notified: progress.notified, skipped: progress.skipped };
    }
  }
}
