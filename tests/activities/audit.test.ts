/** TERM-1 audit records against the real Postgres: kinds allowed, once per key, codes only. */
import pino from 'pino';
import type pg from 'pg';
import { createAuditActivities, type AuditActivities } from '../../activities/audit';
import { createAccount, createTestPool } from '../support/db';

let pool: pg.Pool;
let audit: AuditActivities;

beforeAll(async () => {
  pool = await createTestPool(5);
  audit = createAuditActivities({ pool, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await pool?.end();
});

describe('recordAuditEvent', () => {
  test('TERM-1: each ops action is recorded once per key, with its reason code', async () => {
    const { accountId } = await createAccount(pool);
    const at = Date.parse('2026-11-22T10:00:00.000Z');
    const kinds = [
      'ops_action_announced',
      'ops_action_withdrawn',
      'account_suspended',
      'account_reactivated',
      'account_terminated',
    ] as const;
    for (const [index, kind] of kinds.entries()) {
      const input = {
        accountId,
        kind,
        detail: { clause: 'TERM-1', reason: 'abuse', urgent: false },
        occurredAt: at + index,
        idempotencyKey: `${accountId}:audit:${kind}:${at + index}`,
      };
      expect(await audit.recordAuditEvent(input)).toEqual({ recorded: true });
      // A retried activity records nothing new.
      expect(await audit.recordAuditEvent(input)).toEqual({ recorded: false });
    }
    const rows = await pool.query<{ kind: string; detail: unknown; occurred_at: Date }>(
      'SELECT kind, detail, occurred_at FROM audit_events WHERE account_id = $1 ORDER BY occurred_at',
      [accountId],
    );
    expect(rows.rows.map((row) => row.kind)).toEqual([...kinds]);
    expect(rows.rows[0]).toEqual({
      kind: 'ops_action_announced',
      detail: { clause: 'TERM-1', reason: 'abuse', urgent: false },
      occurred_at: new Date(at),
    });
  });

  test('TERM-1: a kind outside the audit vocabulary is refused by the database', async () => {
    const { accountId } = await createAccount(pool);
    await expect(
      pool.query(
        `INSERT INTO audit_events (account_id, kind, detail, idempotency_key, occurred_at)
         VALUES ($1, 'staff_note', '{}', $2, now())`,
        [accountId, `${accountId}:note`],
      ),
    ).rejects.toThrow(/audit_events_kind_check/);
  });
});
