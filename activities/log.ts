/**
 * Activity log lines: the given pino logger, bound to the business ids of the call and, when
 * running inside a Temporal worker, to the workflow and attempt. Never personal data.
 */
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';

export interface LogBindings {
  readonly accountId?: string;
  readonly invoiceId?: string;
  readonly idempotencyKey?: string;
}

export function activityLogger(base: Logger, activity: string, bindings: LogBindings): Logger {
  return base.child({ activity, ...bindings, ...temporalBindings() });
}

function temporalBindings(): Record<string, string | number> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return {}; // called directly (tests, scripts), not by a worker
  }
  const { info } = context;
  return {
    ...(info.workflowExecution ? { workflowId: info.workflowExecution.workflowId } : {}),
    activityId: info.activityId,
    attempt: info.attempt,
  };
}
