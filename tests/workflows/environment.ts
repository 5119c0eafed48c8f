/** The time-skipping test server for workflow tests. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingOptions } from '../support/temporal';

/**
 * Starts the time-skipping server. The SDK gives the server 5 seconds to start, which a JVM on
 * a loaded machine sometimes misses; a start that times out is tried again, twice at most.
 */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(timeSkippingOptions());
    } catch (error) {
      // Errors from the native bridge may come from another realm: read the message, not the class.
      const message =
        typeof error === 'object' && error !== null && 'message' in error
          ? String(error.message)
          : String(error);
      if (!message.includes('did not start within') || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
