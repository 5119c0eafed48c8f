/**
 * GDPR-1 (defence in depth): the account workflow on the time-skipping server with payload
 * encryption as every worker and client of the platform uses it. The raw history on the server
 * holds ciphertext only; decoded, it is the same account; keys rotate without stopping running
 * workflows; histories written before encryption still run.
 */
import {
  Client,
  Connection,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { buildTimeline } from '../../api/timeline';
import type { PayloadKeys } from '../../infra/config';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  generatePayloadKey,
  KEY_ID_METADATA,
  PayloadEncryptionPlugin,
} from '../../infra/payload-codec';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
  type AccountWorkflowInput,
} from '../../workflows/messages';
import { historyPayloads, testPayloadKeys, utf8, type FoundPayload } from '../support/temporal';
import { accountEventually as eventually } from './eventually';
import { startTimeSkipping } from './environment';
import { fakeActivities, teamPlan, type FakeActivities } from './fakes';

type History = temporal.api.history.v1.IHistory;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  env = await startTimeSkipping();
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

function signup(accountId: string): AccountWorkflowInput {
  return { accountId, plan: teamPlan, seats: 2, cycle: 'monthly' };
}

const keyIdOf = (payload: Payload): string => utf8(payload.metadata?.[KEY_ID_METADATA]);
const encodingOf = (payload: Payload): string => utf8(payload.metadata?.encoding);

/** The workflow's input as the server stored it in the started event. */
function startedInput(history: History): Payload {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload) throw new Error('the history has no started event with an input');
  return payload;
}

async function terminate(handle: WorkflowHandle): Promise<void> {
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') await handle.terminate('test finished');
}

describe('an account workflow with encrypted payloads', () => {
  const accountId = 'acc_gdpr1_8d2f6a41c7';
  const taskQueue = 'payload-encryption';
  let history: History;
  let found: FoundPayload[];
  const activities = fakeActivities();

  beforeAll(async () => {
    // No dataConverter here: a worker on the environment's connection encrypts by itself.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(accountWorkflow, {
        taskQueue,
        workflowId: accountWorkflowId(accountId),
        args: [signup(accountId)],
      });
      try {
        await env.sleep('3 days');
        const result = await handle.executeUpdate(attachPaymentMethodUpdate, {
          args: [{ paymentMethodId: 'pm_card_visa' }],
        });
        // Decoded, the update's result is the account as it is.
        expect(result.account).toMatchObject({ accountId, planId: 'team', status: 'active' });
        expect(result.charged).toEqual([
          { invoiceId: `${accountId}-0001`, amount: { amount: 3800, currency: 'USD' } },
        ]);
        await handle.signal(reportActivitySignal);
        const view = await eventually(handle, (v) => v.status === 'active');
        expect(view).toMatchObject({ accountId, seats: 2, cycle: 'monthly' });
        history = await handle.fetchHistory(); // raw: nothing here decodes it
      } finally {
        await terminate(handle);
      }
    });
    found = historyPayloads(history);
  }, 300_000);

  it('GDPR-1: every payload in the raw history is encrypted with the current key', () => {
    // Input, activity arguments and results, the update's argument and result, the signal.
    expect(found.length).toBeGreaterThanOrEqual(10);
    const notEncrypted = found.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING);
    expect(notEncrypted.map(({ path }) => path)).toEqual([]);
    const keyIds = new Set(found.map(({ payload }) => keyIdOf(payload)));
    expect([...keyIds]).toEqual([testPayloadKeys().currentKeyId]);
  });

  it('GDPR-1: no payload in the raw history holds the account, plan or card in plain text', () => {
    const stored = found.map(({ payload }) => utf8(payload.data)).join('\n');
    for (const plain of [accountId, 'pm_card_visa', '"planId"', '"team"', 'json/plain']) {
      expect(stored).not.toContain(plain);
    }
  });

  it('GDPR-1: decoded, the history holds the same account the workflow was started with', async () => {
    const codec = new EncryptionCodec(testPayloadKeys());
    const [input] = await codec.decode([startedInput(history)]);
    expect(defaultPayloadConverter.fromPayload(input)).toEqual(signup(accountId));
    const decoded = await codec.decode(found.map(({ payload }) => payload));
    const text = decoded.map((payload) => utf8(payload.data)).join('\n');
    expect(text).toContain(accountId);
    expect(text).toContain('pm_card_visa');
    // The activities were given decoded arguments.
    expect(activities.charges.map((charge) => charge.invoice.invoiceId)).toEqual([
      `${accountId}-0001`,
    ]);
  });

  it('GDPR-1: the ops timeline reads the encrypted history without the keys', () => {
    // It shows names, ids and failure types, never payloads, so it needs nothing decrypted.
    const entries = buildTimeline(history.events ?? []);
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'publishAccount',
        'attachPaymentMethod',
        'chargeInvoice',
        'recordPaidInvoice',
        'reportActivity',
      ]),
    );
    expect(entries.find((entry) => entry.kind === 'update_accepted')).toMatchObject({
      name: 'attachPaymentMethod',
      summary: 'Update attachPaymentMethod accepted',
    });
  });
});

/** A worker and a client on their own connections, encrypting with `keys` (or not at all). */
async function connect(keys: PayloadKeys | null): Promise<{
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}> {
  const plugins = keys ? [new PayloadEncryptionPlugin(keys)] : [];
  const connection = await Connection.connect({ address: env.address, plugins });
  const native = await NativeConnection.connect({ address: env.address, plugins });
  return {
    client: new Client({ connection }),
    native,
    async close() {
      await native.close();
      await connection.close();
    },
  };
}

test('GDPR-1: after key rotation a running workflow goes on; new payloads use the new key', async () => {
  const accountId = 'acc_gdpr1_rotation';
  const taskQueue = 'payload-encryption-rotation';
  const before = testPayloadKeys();
  const rotated: PayloadKeys = {
    currentKeyId: 'rotated-2',
    keys: { ...before.keys, 'rotated-2': generatePayloadKey() },
  };
  const handle = await env.client.workflow.start(accountWorkflow, {
    taskQueue,
    workflowId: accountWorkflowId(accountId),
    args: [signup(accountId)],
  });
  try {
    // The first worker, with the old keys, runs the signup. It keeps no workflow cached, so
    // the server hands the next task to whichever worker polls (no sticky queue to time out).
    const first = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: fakeActivities(),
      maxCachedWorkflows: 0,
    });
    await first.runUntil(() => eventually(handle, (view) => view.status === 'trialing'));

    // After rotation a new worker, which has never seen the workflow, replays the old
    // payloads and writes new ones with the new key.
    const after = await connect(rotated);
    try {
      const second = await Worker.create({
        connection: after.native,
        taskQueue,
        workflowBundle: bundle,
        activities: fakeActivities(),
      });
      const rotatedHandle = after.client.workflow.getHandle<typeof accountWorkflow>(
        handle.workflowId,
      );
      await second.runUntil(async () => {
        const result = await rotatedHandle.executeUpdate(attachPaymentMethodUpdate, {
          args: [{ paymentMethodId: 'pm_card_visa' }],
        });
        expect(result.account).toMatchObject({ accountId, status: 'active' });
        expect((await rotatedHandle.query(accountStateQuery)).status).toBe('active');
      });
    } finally {
      await after.close();
    }

    const payloads = historyPayloads(await handle.fetchHistory()).map(({ payload }) => payload);
    expect(payloads.every((payload) => encodingOf(payload) === ENCRYPTED_ENCODING)).toBe(true);
    expect(keyIdOf(startedInput(await handle.fetchHistory()))).toBe(before.currentKeyId);
    expect(new Set(payloads.map(keyIdOf))).toEqual(
      new Set([before.currentKeyId, rotated.currentKeyId]),
    );
    // The rotated keys read everything; the old keys alone cannot read the new payloads.
    await expect(new EncryptionCodec(rotated).decode(payloads)).resolves.toHaveLength(
      payloads.length,
    );
    await expect(new EncryptionCodec(before).decode(payloads)).rejects.toThrow(
      'a payload is encrypted with key "rotated-2", which is not configured',
    );
  } finally {
    await terminate(handle);
  }
}, 300_000);

test('GDPR-1: a workflow started before encryption still runs; what it writes afterwards is encrypted', async () => {
  const accountId = 'acc_gdpr1_plaintext';
  const taskQueue = 'payload-encryption-plaintext';
  const plain = await connect(null);
  try {
    const handle = await plain.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [signup(accountId)],
    });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities: fakeActivities(),
      });
      const encrypting = env.client.workflow.getHandle<typeof accountWorkflow>(handle.workflowId);
      await worker.runUntil(async () => {
        const view = await eventually(encrypting, (v) => v.status === 'trialing');
        expect(view).toMatchObject({ accountId, planId: 'team', seats: 2 });
      });

      const history = await handle.fetchHistory();
      expect(encodingOf(startedInput(history))).toBe('json/plain');
      const later = historyPayloads(history).filter(({ path }) => !path.includes('events.0.'));
      expect(later.length).toBeGreaterThan(0);
      expect(later.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING)).toEqual([]);
    } finally {
      await terminate(handle);
    }
  } finally {
    await plain.close();
  }
}, 300_000);

test('GDPR-1: failure messages and stack traces are encrypted too; decoded, the refusal reads as sent', async () => {
  const accountId = 'acc_gdpr1_failure';
  const taskQueue = 'payload-encryption-failure';
  // An error text quoting personal data, as a processor or a mail server might write one.
  const planted = 'card of ona.petraite@example.test declined';
  const activities: FakeActivities = {
    ...fakeActivities(),
    chargeInvoice: () =>
      Promise.reject(
        ApplicationFailure.create({ type: 'CARD_DECLINED', message: planted, nonRetryable: true }),
      ),
  };
  // Bundled by the worker (not prebuilt), so the workflow's own failures use the converter too.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [signup(accountId)],
    });
    try {
      const refused = handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });
      await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(refused).rejects.toMatchObject({
        cause: { type: 'CARD_DECLINED', message: expect.stringContaining(planted) as string },
      });

      const history = await handle.fetchHistory();
      const raw = JSON.stringify(history, (_key, value: unknown) =>
        value instanceof Uint8Array ? utf8(value) : value,
      );
      expect(raw).not.toContain('ona.petraite');
      expect(raw).not.toContain('Error:'); // no stack trace either
      // The failures are still there, typed: the activity's and the update's refusal.
      const events = history.events ?? [];
      const activityFailure = events.find((e) => e.activityTaskFailedEventAttributes)
        ?.activityTaskFailedEventAttributes?.failure;
      expect(activityFailure?.applicationFailureInfo?.type).toBe('CARD_DECLINED');
      expect(activityFailure?.message).toBe('Encoded failure');
      const refusal = events.find((e) => e.workflowExecutionUpdateCompletedEventAttributes)
        ?.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure;
      expect(refusal?.applicationFailureInfo?.type).toBe('CARD_DECLINED');
      expect(refusal?.message).toBe('Encoded failure');
      const failures = historyPayloads(history).filter(({ path }) =>
        path.includes('encodedAttributes'),
      );
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures.every(({ payload }) => encodingOf(payload) === ENCRYPTED_ENCODING)).toBe(
        true,
      );
    } finally {
      await terminate(handle);
    }
  });
}, 300_000);
