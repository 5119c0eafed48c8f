/**
 * The Temporal gateway against a real Temporal server (the dev server `npm test` starts) and
 * the real account workflow, with activities that do no I/O. Proves what the API's one error
 * handler relies on: how the client reports refusals, unknown accounts and ended accounts.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BillingActivities } from '../../activities/contract';
import type { PriceChangeActivities } from '../../activities/price-change-contract';
import { classify } from '../../api/errors';
import { TemporalAccountGateway } from '../../api/temporal-gateway';
import { buildTimeline } from '../../api/timeline';
import type { PlanTerms } from '../../workflows/policy/catalog';
import { temporalAddress } from '../support/env';
import { temporalPlugins } from '../support/temporal';
import { eventually } from '../workflows/eventually';

const plan: PlanTerms = {
  planId: 'team',
  name: 'Team',
  currency: 'USD',
  seatPrice: { monthly: 1900, annual: 18000 },
  trialDays: 14,
  minSeats: 1,
  maxSeats: 50,
};

const DECLINED = 'pm_card_chargeDeclined';

const activities: BillingActivities = {
  loadPlan: () => Promise.resolve(plan),
  loadHolidays: () => Promise.resolve([]),
  attachPaymentMethod: ({ accountId, paymentMethodId }) =>
    Promise.resolve({ customerId: `cus_${accountId}`, paymentMethodId }),
  chargeInvoice: ({ paymentMethodId }) =>
    paymentMethodId === DECLINED
      ? Promise.reject(
          ApplicationFailure.create({
            type: 'CARD_DECLINED',
            message: 'Your card was declined.',
            nonRetryable: true,
          }),
        )
      : Promise.resolve({ paymentId: `pi_${randomUUID()}` }),
  recordPaidInvoice: () => Promise.resolve({ number: '2026-000001' }),
  sendEmail: ({ accountId, template, idempotencyKey }) => {
    if (template === 'price_change_notice') priceNotices.push(accountId);
    return Promise.resolve({ messageId: `<${idempotencyKey}@test>` });
  },
  eraseAccount: ({ erasedAt }) => Promise.resolve({ erasedAt, erased: {} }),
  notifyAccountDeleted: () => Promise.resolve({ delivered: true }),
  publishAccount: () => Promise.resolve(),
};

/** What the read model lists for a price change, and whose owners were sent its notice. */
const listedOnPlan: string[] = [];
const priceNotices: string[] = [];
const priceChangeActivities: PriceChangeActivities = {
  listAccountsOnPlan: ({ after, limit }) => {
    const sorted = [...listedOnPlan].sort();
    return Promise.resolve(sorted.filter((id) => after === null || id > after).slice(0, limit));
  },
};

const taskQueue = `api-gateway-${randomUUID()}`;
let connection: Connection;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let gateway: TemporalAccountGateway;

beforeAll(async () => {
  const address = temporalAddress();
  connection = await Connection.connect({ address, plugins: temporalPlugins() });
  native = await NativeConnection.connect({ address, plugins: temporalPlugins() });
  worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: require.resolve('../../workflows/index'),
    activities: { ...activities, ...priceChangeActivities },
  });
  running = worker.run();
  gateway = new TemporalAccountGateway(new Client({ connection }), {
    taskQueue,
    namespace: 'default',
  });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await connection?.close();
});

const newAccountId = () => `acc_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

describe('TemporalAccountGateway on a real Temporal server', () => {
  it('ping reaches the server', async () => {
    await expect(gateway.ping()).resolves.toBeUndefined();
  });

  it('starts one workflow per account however often signup is repeated', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    const view = await gateway.state(accountId);
    expect(view).toMatchObject({ accountId, status: 'trialing', seats: 2 });
  });

  it('PAY-1c: an update answers with the command result; the same update id never acts twice', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    const first = await gateway.attachPaymentMethod(
      accountId,
      { paymentMethodId: 'pm_card_visa' },
      'k',
    );
    const again = await gateway.attachPaymentMethod(
      accountId,
      { paymentMethodId: 'pm_card_visa' },
      'k',
    );
    expect(first.account.status).toBe('active');
    expect(first.charged).toHaveLength(1);
    expect(again).toEqual(first);
  });

  it('PAY-2b: a plan change and its preview go through the real updates with their answers', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    await gateway.attachPaymentMethod(accountId, { paymentMethodId: 'pm_card_visa' }, randomUUID());
    const request = { planId: 'team', seats: 4, cycle: 'monthly' as const };
    const preview = await gateway.previewChange(accountId, request);
    expect(preview).toMatchObject({ kind: 'upgrade_next_renewal', chargeNow: { amount: 0 } });
    expect((await gateway.state(accountId)).seats).toBe(2);
    const changed = await gateway.changePlan(accountId, request, randomUUID());
    expect(changed.change).toEqual(preview);
    expect(changed.account.seats).toBe(4);
    expect(changed.charged).toEqual([]);
  });

  it('PAY-4: seats in use reported by the product make a downgrade need confirmation (409 with the clause)', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 3, cycle: 'monthly' });
    await gateway.report(accountId, { kind: 'seats_in_use', seatsInUse: 3 });
    const deadline = Date.now() + 10_000;
    while ((await gateway.state(accountId)).seatsInUse !== 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const refused = await gateway
      .changePlan(accountId, { planId: 'team', seats: 1, cycle: 'monthly' }, randomUUID())
      .catch((error: unknown) => error);
    expect(classify(refused).problem).toMatchObject({
      status: 409,
      code: 'CONFIRMATION_REQUIRED',
      clause: 'PAY-4',
    });
  });

  it('PAY-5: an announcement runs one fan-out per change id; repeating it reports the same outcome', async () => {
    const told = [newAccountId(), newAccountId()];
    for (const accountId of told) {
      await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    }
    // The read model also lists an account whose workflow never ran: it is skipped.
    listedOnPlan.push(...told, newAccountId());
    const change = {
      changeId: randomUUID(),
      planId: 'team',
      currency: 'USD' as const,
      seatPrice: { monthly: 2500, annual: 24000 },
    };

    const outcome = await gateway.announcePriceChange(change, 30_000);
    const again = await gateway.announcePriceChange(change, 30_000);

    expect(outcome).toEqual({ changeId: change.changeId, notified: 2, skipped: 1 });
    expect(again).toEqual(outcome);
    // The fan-out ends once the signals are delivered; each account sends its notice after.
    const noticed = await eventually(
      () => Promise.resolve([...priceNotices].sort()),
      (ids) => ids.length >= told.length,
    );
    expect(noticed).toEqual([...told].sort());
  });

  it('a refusal arrives as a problem with the workflow’s code', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    const declined = await gateway
      .attachPaymentMethod(accountId, { paymentMethodId: DECLINED }, randomUUID())
      .catch((error: unknown) => error);
    expect(classify(declined).problem).toMatchObject({ status: 402, code: 'CARD_DECLINED' });
  });

  it('CAN-2: commands to an account that has ended are refused as ACCOUNT_CLOSED', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    const stopped = await gateway.stopAccount(accountId, randomUUID());
    expect(stopped.account.status).toBe('cancelled');
    const after = await gateway
      .requestCancellation(accountId, randomUUID())
      .catch((error: unknown) => error);
    expect(classify(after).problem).toMatchObject({ status: 409, code: 'ACCOUNT_CLOSED' });
  });

  it('INACT-1: a reported activity moves the inactivity clock of the running workflow', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    const before = Date.parse((await gateway.state(accountId)).lastActivityAt);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gateway.reportActivity(accountId);
    let after = before;
    for (let tries = 0; tries < 50 && after === before; tries += 1) {
      after = Date.parse((await gateway.state(accountId)).lastActivityAt);
      if (after === before) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after).toBeGreaterThan(before);
  });

  it('an unknown account is ACCOUNT_NOT_FOUND for queries, updates, signals and history', async () => {
    const accountId = newAccountId();
    for (const call of [
      () => gateway.state(accountId),
      () => gateway.reportActivity(accountId),
      () => gateway.stopAccount(accountId, randomUUID()),
      () => gateway.history(accountId, null),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(classify(error).problem).toMatchObject({ status: 404, code: 'ACCOUNT_NOT_FOUND' });
    }
  });

  it('the history reads as a timeline, and a foreign page token is refused', async () => {
    const accountId = newAccountId();
    await gateway.openAccount({ accountId, plan, seats: 2, cycle: 'monthly' });
    await gateway.attachPaymentMethod(accountId, { paymentMethodId: 'pm_card_visa' }, randomUUID());
    const page = await gateway.history(accountId, null);
    const entries = buildTimeline(page.events);
    expect(entries[0]).toMatchObject({ kind: 'workflow_started' });
    expect(entries).toContainEqual(
      expect.objectContaining({ kind: 'update_accepted', name: 'attachPaymentMethod' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ kind: 'activity_completed', category: 'charge' }),
    );
    const foreign = await gateway
      .history(accountId, new Uint8Array([1, 2, 3]))
      .catch((error: unknown) => error);
    expect(classify(foreign).problem).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });
});
