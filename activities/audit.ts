/**
 * The audit log of ops actions on an account (TERM-1): announced, suspended, reactivated,
 * withdrawn, terminated. Rows hold reason codes and instants only, never free text, so that
 * the log carries no personal data. Idempotent by key: a retried activity records nothing new.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { OpsAuditKind } from '../workflows/policy/ops-actions';
import { activityLogger } from './log';

export interface AuditActivities {
  recordAuditEvent(input: {
    accountId: string;
    kind: OpsAuditKind;
    detail: Readonly<Record<string, string | number | boolean>>;
    occurredAt: number;
    idempotencyKey: string;
  }): Promise<{ recorded: boolean }>;
}

export function createAuditActivities(deps: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
}): AuditActivities {
  return {
    async recordAuditEvent({ accountId, kind, detail, occurredAt, idempotencyKey }) {
      const inserted = await deps.pool.query(
        `INSERT INTO audit_events (account_id, kind, detail, idempotency_key, occurred_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (idempotency_key) DO NOTHING`,
        [accountId, kind, JSON.stringify(detail), idempotencyKey, new Date(occurredAt)],
      );
      const recorded = inserted.rowCount === 1;
      activityLogger(deps.logger, 'recordAuditEvent', { accountId, idempotencyKey }).info(
        { kind },
        recorded ? 'audit event recorded' : 'audit event already recorded',
      );
      return { recorded };
    },
  };
}
