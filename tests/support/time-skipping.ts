/**
 * Starts Temporal's time-skipping test server, trying again when it does not come up within
 * the SDK's few seconds (a loaded machine), so a slow start is not reported as a failed test.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingOptions } from './temporal';

export async function startTimeSkipping(attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(timeSkippingOptions());
    } catch (error) {
      if (attempt >= attempts || !String(error).includes('did not start')) throw error;
    }
  }
}
