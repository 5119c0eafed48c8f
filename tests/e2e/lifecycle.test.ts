/**
 * The whole platform on real servers: the Temporal dev server with the real worker, the HTTP
 * API listening on a port, Postgres, stripe-mock (behind the sandbox that adds what stripe-mock
 * cannot show: a succeeded charge) and an SMTP sink. An account goes from signup to trial to
 * paid to cancelled through HTTP only.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import type pg from 'pg';
import { buildApp } from '../../api/app';
import { fileCatalog } from '../../api/catalog';
import { generateKey, keyDigestHex } from '../../api/keys';
import { PgGdprStore } from '../../api/gdpr-store';
import { PgStore } from '../../api/store';
import { TemporalAccountGateway } from '../../api/temporal-gateway';
import { connectTemporalClient, createPool } from '../../infra/clients';
import { loadConfig, type Config } from '../../infra/config';
import { startSmtpSink } from '../../infra/smtp-sink';
import { startStripeSandbox, type StripeSandbox } from '../../infra/stripe-sandbox';
import { createBillingWorker, type BillingWorker } from '../../worker/worker';
import { EncryptionCodec, formatPayloadKeys, isEncrypted } from '../../infra/payload-codec';
import { databaseUrl, stripeApiBase, temporalAddress } from '../support/env';
import { historyPayloads, testPayloadKeys, utf8 } from '../support/temporal';

type Sink = Awaited<ReturnType<typeof startSmtpSink>>;
type App = ReturnType<typeof buildApp>;

const keys = { signup: generateKey(), support: generateKey(), ops: generateKey() };
let config: Config;
let pool: pg.Pool;
let sink: Sink;
let stripe: StripeSandbox;
let billing: BillingWorker;
let running: Promise<void>;
let client: Client;
let app: App;
let baseUrl: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  stripe = await startStripeSandbox(stripeApiBase());
  config = loadConfig({
    DATABASE_URL: databaseUrl(),
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`,
    STRIPE_API_BASE: stripe.url,
    STRIPE_API_KEY: 'sk_test_123',
    SMTP_URL: sink.url,
    LOG_LEVEL: 'warn',
    PAYLOAD_KEYS: formatPayloadKeys(testPayloadKeys()),
    API_KEYS: JSON.stringify(
      (['signup', 'support', 'ops'] as const).map((role) => ({
        role,
        sha256: keyDigestHex(keys[role]),
      })),
    ),
  });
  pool = createPool(config.databaseUrl!);
  const logger = pino({ level: 'warn' });
  billing = await createBillingWorker({ config, pool, logger, smtpUrl: sink.url });
  running = billing.run();

  // The API's own client, as api/server.ts makes it.
  client = await connectTemporalClient(config);
  app = buildApp({
    config,
    gateway: new TemporalAccountGateway(client, {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
    }),
    store: new PgStore(pool),
    gdpr: new PgGdprStore(pool),
    catalog: fileCatalog(),
    logger,
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
}, 180_000);

afterAll(async () => {
  await app?.close();
  billing?.shutdown();
  await running;
  await client?.connection.close();
  await pool?.end();
  await stripe?.stop();
  await sink?.stop();
});

async function call(
  method: 'GET' | 'POST',
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function signupBody(email: string): Record<string, unknown> {
  return {
    signupId: `signup-${randomUUID()}`,
    fullName: 'Ona Petraitė',
    email,
    ageConfirmed: true,
    planId: 'team',
    seats: 2,
    cycle: 'monthly',
    currency: 'EUR',
    language: 'lt',
  };
}

test('PAY-1a PAY-1c PAY-7 PAY-2b CAN-2: signup, card, invoice, receipt, plan change, timeline and Stop Account through HTTP', async () => {
  const email = `owner-${randomUUID()}@example.test`;
  const signup = signupBody(email);

  // PAY-1a: signup opens a trialing account; the same signup again is the same account.
  const created = await call('POST', '/v1/signups', keys.signup, signup);
  expect(created.status).toBe(201);
  const accountId = created.body.accountId as string;
  const again = await call('POST', '/v1/signups', keys.signup, signup);
  expect(again.status).toBe(200);
  expect(again.body.accountId).toBe(accountId);
  // A repeat before the first key was used reissues the owner key and revokes the old one.
  const ownerKey = (again.body.ownerKey ?? created.body.ownerKey) as string;

  const trial = await call('GET', `/v1/accounts/${accountId}`, ownerKey);
  expect(trial.status).toBe(200);
  expect(trial.body).toMatchObject({ status: 'trialing', planId: 'team', seats: 2 });

  // PAY-1c: a card ends the trial and charges the first month at once.
  const paid = await call('POST', `/v1/accounts/${accountId}/payment-method`, ownerKey, {
    paymentMethodId: 'pm_card_visa',
  });
  expect(paid.status).toBe(200);
  expect(paid.body).toMatchObject({
    account: { status: 'active', trialEndsAt: null },
    charged: [{ invoiceId: `${accountId}-0001`, amount: { amount: 3400, currency: 'EUR' } }],
  });
  expect(stripe.charges().filter((c) => c.metadata.accountId === accountId)).toEqual([
    expect.objectContaining({ amount: 3400, currency: 'eur' }),
  ]);

  // PAY-7: the invoice and its payment are in Postgres, and a receipt reached the owner.
  const invoices = await pool.query<{ number: string; total: string; status: string }>(
    'SELECT number, total, status FROM invoices WHERE account_id = $1',
    [accountId],
  );
  expect(invoices.rows).toHaveLength(1);
  expect(invoices.rows[0]).toMatchObject({ total: '3400', status: 'paid' });
  expect(invoices.rows[0].number).toMatch(/^\d{4}-\d{6}$/);
  const payments = await pool.query(
    'SELECT amount FROM payments JOIN invoices USING (invoice_id) WHERE account_id = $1',
    [accountId],
  );
  expect(payments.rows).toEqual([{ amount: '3400' }]);
  const receipt = await sink.waitFor((mail) => mail.to.includes(email), 30_000);
  expect(receipt.text).toContain(invoices.rows[0].number);
  expect(receipt.text).toMatch(/34[.,]00/);

  const active = await call('GET', `/v1/accounts/${accountId}`, ownerKey);
  expect(active.body).toMatchObject({ status: 'active' });
  // The renewal is at the end of the first period; the 28-day inactivity warning (INACT-1)
  // may come first in months longer than 28 days.
  expect(active.body.currentPeriod).not.toBeNull();
  expect(['renew', 'warn_inactive']).toContain(
    (active.body.nextDeadline as { action: string }).action,
  );

  // INACT-1: the product reports a login; the workflow's inactivity clock moves.
  const reported = await fetch(`${baseUrl}/v1/accounts/${accountId}/activity`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.signup}` },
  });
  expect(reported.status).toBe(204);
  const before = Date.parse(active.body.lastActivityAt as string);
  let lastActivityAt = before;
  for (let tries = 0; tries < 50 && lastActivityAt === before; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = await call('GET', `/v1/accounts/${accountId}`, ownerKey);
    lastActivityAt = Date.parse(seen.body.lastActivityAt as string);
  }
  expect(lastActivityAt).toBeGreaterThan(before);

  // PAY-2b: the owner upgrades mid-month; nothing is charged now, the next invoice is higher.
  const upgraded = await call('POST', `/v1/accounts/${accountId}/plan-change`, ownerKey, {
    planId: 'business',
    seats: 3,
    cycle: 'monthly',
  });
  expect(upgraded.status).toBe(200);
  expect(JSON.stringify(upgraded.body)).toContain('PAY-2b');
  expect(stripe.charges().filter((c) => c.metadata.accountId === accountId)).toHaveLength(1);

  // Ops read the account's history as a timeline, with a link to the Web UI.
  const timeline = await call('GET', `/v1/ops/accounts/${accountId}/timeline`, keys.ops);
  expect(timeline.status).toBe(200);
  const entries = timeline.body.entries as { kind: string; name: string | null }[];
  const names = entries.map((entry) => entry.name);
  expect(names).toEqual(
    expect.arrayContaining(['attachPaymentMethod', 'chargeInvoice', 'recordPaidInvoice']),
  );
  expect(names).toContain('changePlan');
  expect(JSON.stringify(timeline.body)).not.toContain(email);
  expect(JSON.stringify(timeline.body.workflow)).toContain(`account:${accountId}`);

  // CAN-2: Stop Account cancels at once.
  const stopped = await call('POST', `/v1/accounts/${accountId}/stop`, ownerKey);
  expect(stopped.status).toBe(200);
  // Only the scheduled erasure of its content is left (CAN-3).
  expect(stopped.body).toMatchObject({
    account: { status: 'cancelled', nextDeadline: { action: 'erase' } },
  });
  const after = await call('GET', `/v1/accounts/${accountId}`, ownerKey);
  expect(after.body).toMatchObject({ status: 'cancelled' });

  // The read model ops list from caught up with the workflow.
  const listed = await call('GET', '/v1/ops/accounts?status=cancelled', keys.ops);
  expect(listed.status).toBe(200);
  expect(JSON.stringify(listed.body)).toContain(accountId);

  // GDPR-1: the workflow's raw history on the server, every byte read as text, holds neither
  // the owner's name nor email, although signup, charge and receipt all used them; every
  // payload in it is encrypted. Decrypted, the payloads hold the account and still neither.
  const history = await client.workflow.getHandle(`account:${accountId}`).fetchHistory();
  const asText = (value: unknown): string =>
    JSON.stringify(value, (_key, inner: unknown) =>
      inner instanceof Uint8Array ? utf8(inner) : inner,
    );
  const payloads = historyPayloads(history).map(({ payload }) => payload);
  expect(payloads.length).toBeGreaterThan(10);
  expect(payloads.filter((payload) => !isEncrypted(payload))).toEqual([]);
  const decoded = await new EncryptionCodec(testPayloadKeys()).decode(payloads);
  const stored = payloads.map((payload) => utf8(payload.data)).join('\n');
  const plain = decoded.map((payload) => utf8(payload.data)).join('\n');
  expect(stored).not.toContain(accountId);
  expect(plain).toContain(`"accountId":"${accountId}"`);
  for (const text of [asText(history), plain]) {
    expect(text).not.toContain(email);
    expect(text).not.toContain('Ona Petraitė');
    expect(text).not.toContain(email.split('@')[0]);
  }
});

test('CAN-1: support files a cancellation; the owner is told when it takes effect', async () => {
  const email = `owner-${randomUUID()}@example.test`;
  const created = await call('POST', '/v1/signups', keys.signup, signupBody(email));
  const accountId = created.body.accountId as string;

  const filed = await call('POST', `/v1/support/accounts/${accountId}/cancellation`, keys.support);
  expect(filed.status).toBe(202);
  const effectiveAt = Date.parse(
    JSON.stringify(filed.body).match(/"(\d{4}-\d\d-\d\dT[^"]+Z)"/)![1],
  );
  expect(effectiveAt).toBeGreaterThan(Date.now());
  expect(effectiveAt - Date.now()).toBeLessThanOrEqual(4 * 24 * 60 * 60 * 1000);

  const confirmation = await sink.waitFor((mail) => mail.to.includes(email), 30_000);
  expect(confirmation.subject.length).toBeGreaterThan(0);

  const state = await call('GET', `/v1/support/accounts/${accountId}`, keys.support);
  expect(state.body).toMatchObject({ nextDeadline: { action: 'cancel' } });
});
