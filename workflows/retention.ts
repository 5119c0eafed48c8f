/**
 * GDPR-4: one retention workflow per ended account (workflow id `retention:<accountId>`),
 * started (by an activity, `startRetentionTimer`) when the account workflow erases the account,
 * and running on after that workflow ends (INACT-2: "the workflow ends"). A durable timer, not a cron job: it sleeps in
 * workflow time until 5 years after the account ended, then erases what is still held.
 *
 * Its input and history carry the account id, the reason and instants only.
 */
import { defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { RetentionActivities, RetentionPurgeRecord } from '../activities/retention-contract';
import type { ErasureReason } from './policy/lifecycle';
import { retentionEndsAt } from './policy/retention';

export interface RetentionWorkflowInput {
  readonly accountId: string;
  readonly reason: ErasureReason;
  /** When the account ended (epoch ms): its cancellation, or its erasure. */
  readonly endedAt: number;
}

export interface RetentionView {
  readonly accountId: string;
  readonly endedAt: string;
  readonly purgeAt: string;
  readonly purgedAt: string | null;
}

export const retentionStateQuery = defineQuery<RetentionView>('retentionState');

/** The purge is retried until it succeeds: it is idempotent by its key. */
const activities = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function retentionWorkflow(
  input: RetentionWorkflowInput,
): Promise<RetentionPurgeRecord> {
  const purgeAt = retentionEndsAt(input.endedAt);
  let purgedAt: number | null = null;
  setHandler(retentionStateQuery, () => ({
    accountId: input.accountId,
    endedAt: new Date(input.endedAt).toISOString(),
    purgeAt: new Date(purgeAt).toISOString(),
    purgedAt: purgedAt === null ? null : new Date(purgedAt).toISOString(),
  }));

  // One durable timer for the whole stretch; re-armed should it ever fire before the deadline.
  for (let now = Date.now(); now < purgeAt; now = Date.now()) {
    await sleep(purgeAt - now);
  }
  const record = await activities.purgeRetainedData({
    accountId: input.accountId,
    reason: input.reason,
    endedAt: input.endedAt,
    purgedAt: Date.now(),
    idempotencyKey: `${input.accountId}:retention-purge`,
  });
  purgedAt = record.purgedAt;
  return record;
}
