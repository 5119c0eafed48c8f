/**
 * GDPR-4: the activity that starts an account's retention timer, against the Temporal dev
 * server. The timer is a workflow with the account's id; starting it again changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import pino from 'pino';
import { createRetentionActivities } from '../../activities/retention';
import { retentionWorkflowId } from '../../workflows/ids';
import { createTestPool } from '../support/db';
import { temporalAddress } from '../support/env';
import { temporalPlugins } from '../support/temporal';

let pool: pg.Pool;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  pool = await createTestPool(2);
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, plugins: temporalPlugins() });
});

afterAll(async () => {
  await connection?.close();
  await pool?.end();
});

test('GDPR-4: an erasure starts one retention timer per account, however often it is asked', async () => {
  // No worker polls this queue: the timer waits, as it would for 5 years, and is removed below.
  const taskQueue = `retention-timers-${randomUUID()}`;
  const { startRetentionTimer } = createRetentionActivities({
    pool,
    logger: pino({ level: 'silent' }),
    timers: { client, taskQueue },
  });
  const accountId = `acc_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const input = { accountId, reason: 'cancelled' as const, endedAt: Date.now() };

  const first = await startRetentionTimer(input);
  const again = await startRetentionTimer(input);

  expect(first).toEqual({ started: true });
  expect(again).toEqual({ started: false });
  const handle = client.workflow.getHandle(retentionWorkflowId(accountId));
  const described = await handle.describe();
  expect(described.type).toBe('retentionWorkflow');
  expect(described.taskQueue).toBe(taskQueue);
  expect(described.status.name).toBe('RUNNING');
  await handle.terminate('test finished');
});

test('GDPR-4: a worker without a Temporal client refuses to pretend a timer was started', async () => {
  const { startRetentionTimer } = createRetentionActivities({
    pool,
    logger: pino({ level: 'silent' }),
  });
  await expect(
    startRetentionTimer({ accountId: 'acc_x', reason: 'cancelled', endedAt: 0 }),
  ).rejects.toMatchObject({ type: 'RETENTION_TIMERS_UNAVAILABLE' });
});
