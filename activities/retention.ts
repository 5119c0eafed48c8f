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
import { erasedTables, erasureStatement } from './erasure';
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
      const client = await deps.pool.connect();
      try {
        await client.query('BEGIN');
        // One purge per key, even when two attempts race: the second waits on the lock.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [idempotencyKey]);
        const done = await client.query<{
          detail: { purged: Record<string, number> };
          occurred_at: Date;
        }>('SELECT detail, occurred_at FROM audit_events WHERE idempotency_key = $1', [
          idempotencyKey,
        ]);
        const previous = done.rows[0];
        if (previous) {
          await client.query('COMMIT');
          log.info('retained data already purged');
          return { purgedAt: previous.occurred_at.getTime(), purged: previous.detail.purged };
        }
        const purged: Record<string, number> = {};
        for (const table of erasedTables) {
          const result = await client.query(erasureStatement(table), [accountId]);
          purged[table] = result.rowCount ?? 0;
        }
        for (const table of retainedTables) {
          const result = await client.query(`DELETE FROM ${table} WHERE account_id = $1`, [
            accountId,
          ]);
          purged[table] = result.rowCount ?? 0;
        }
        await client.query(
          `INSERT INTO audit_events (account_id, kind, detail, idempotency_key, occurred_at)
           VALUES ($1, 'retention_purged', $2, $3, $4)`,
          [
            accountId,
            JSON.stringify({ reason, endedAt: new Date(endedAt).toISOString(), purged }),
            idempotencyKey,
            new Date(purgedAt),
          ],
        );
        await client.query('COMMIT');
        log.info({ reason, purged }, 'retained personal data purged');
        const record: RetentionPurgeRecord = { purgedAt, purged };
        return record;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
