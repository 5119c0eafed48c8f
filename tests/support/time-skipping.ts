/**
 * Starts Temporal's time-skipping test server (with payload encryption, see ./temporal). The
 * SDK gives the server 5 seconds to start, which a JVM on a loaded machine sometimes misses; a
 * start that times out is tried again, three more times at most, so that a slow start is not
 * reported as a failed test.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingOptions } from './temporal';

export async function startTimeSkipping(attempts = 4): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(timeSkippingOptions());
    } catch (error) {
      // Errors from the native bridge may come from another realm: read the message, not the class.
      const message =
        typeof error === 'object' && error !== null && 'message' in error
          ? String(error.message)
          : String(error);
      if (attempt >= attempts || !message.includes('did not start')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
