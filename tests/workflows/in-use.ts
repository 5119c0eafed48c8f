/** Time passing for an account that the product reports in use (INACT-1) along the way. */
import type { WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { msToNumber } from '@temporalio/common';
import { reportActivitySignal } from '../../workflows/messages';
import { DAY_MS } from '../../workflows/policy/periods';

/**
 * Skips `duration` on the time-skipping server, reporting activity at the start and then every
 * 7 days, so the inactivity clock (INACT-1, INACT-2) never warns or deletes the account of a
 * billing test.
 */
export async function sleepInUse(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  duration: Duration,
): Promise<void> {
  let left = msToNumber(duration);
  while (left > 0) {
    await handle.signal(reportActivitySignal);
    const step = Math.min(left, 7 * DAY_MS);
    await env.sleep(step);
    left -= step;
  }
}
