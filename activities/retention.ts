/**
 * GDPR-4: 5 years after an account ended, the irreversible purge of the personal data still
 * held for it, and its audit record.
 *
 * What the CAN-3 erasure keeps, and so what is purged here: the marketing consent history and
 * its current state (proof of consent and of its withdrawal), a processing restriction, the log
 * of data-subject requests (`gdpr_requests`, the accountability record), and the email outbox
 * (which templates were sent when: contact history, no addresses). Every table the erasure
 * empties is emptied again, for an account that ended without being erased. Issued invoices and
 * payments (and any billing snapshot on them) are the legal billing record and stay, as do the
 * audit events, which hold counts and table names only.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { retentionWorkflowId } from '../workflows/ids';
import { deleteOnceAudited, erasedTables, erasureStatement } from './erasure';
import { activityLogger } from './log';
import type { RetentionActivities, RetentionPurgeRecord } from './retention-contract';

/** Tables kept after the CAN-3 erasure and purged at the end of retention, in this order. */
export const retainedTables = [
  'marketing_consent_events',
  'marketing_consents',
  'processing_restrictions',
  'gdpr_requests',
  'email_outbox',
] as const;

/** Where retention workflows are started: the worker's own client and task queue. */
export interface RetentionTimers {
  readonly client: Client;
  readonly taskQueue: string;
}

export function createRetentionActivities(deps: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Absent only where no retention workflow may be started; starting one then fails. */
  readonly timers?: RetentionTimers | null;
}): RetentionActivities {
  return {
    async startRetentionTimer(input) {
      const log = activityLogger(deps.logger, 'startRetentionTimer', {
        accountId: input.accountId,
      });
      if (!deps.timers) {
        throw ApplicationFailure.create({
          type: 'RETENTION_TIMERS_UNAVAILABLE',
          message: 'This worker was built without a Temporal client to start retention timers.',
        });
      }
      try {
        await deps.timers.client.workflow.start('retentionWorkflow', {
          workflowId: retentionWorkflowId(input.accountId),
          taskQueue: deps.timers.taskQueue,
          args: [input],
          // One timer per account, ever: a retried start finds the first one.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        log.info('retention timer already started');
        return { started: false };
      }
      log.info({ reason: input.reason, endedAt: input.endedAt }, 'retention timer started');
      return { started: true };
    },

    async purgeRetainedData({ accountId, reason, endedAt, purgedAt, idempotencyKey }) {
      const log = activityLogger(deps.logger, 'purgeRetainedData', { accountId, idempotencyKey });
      const { at, counts, repeated } = await deleteOnceAudited(deps.pool, {
        accountId,
        kind: 'retention_purged',
        idempotencyKey,
        at: purgedAt,
        detail: { reason, endedAt: new Date(endedAt).toISOString() },
        countsKey: 'purged',
        deletions: [
          ...erasedTables.map((table) => ({ table, statement: erasureStatement(table) })),
          ...retainedTables.map((table) => ({
            table,
            statement: `DELETE FROM ${table} WHERE account_id = $1`,
          })),
        ],
      });
      if (repeated) log.info('retained data already purged');
      else log.info({ reason, purged: counts }, 'retained personal data purged');
      const record: RetentionPurgeRecord = { purgedAt: at, purged: counts };
      return record;
    },
  };
}
