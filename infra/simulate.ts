/**
 * `npm run simulate -- <scenario>`: scripted accounts on Temporal's time-skipping test server,
 * running the real account workflow and policy with recording activities, printing each
 * account's timeline: invoices with their lines, emails and state changes, with dates.
 *
 * Scenarios: monthly-upgrade, annual-upgrade, downgrade, price-change, failed-renewal, coupon,
 * eu-vat, all.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { resolveTestServer, toolContext } from './tools';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ephemeralPayloadKeys, PayloadEncryptionPlugin } from './payload-codec';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { AuditActivities } from '../activities/audit';
import type { BillingActivities } from '../activities/contract';
import type { CreditActivities } from '../activities/credit-contract';
import type { RetentionActivities } from '../activities/retention-contract';
import { accountWorkflowId, couponWorkflowId } from '../workflows/ids';
import { TemporalCouponGateway } from '../api/coupon-gateway';
import type { CouponActivities, StoredCampaign } from '../activities/coupon-contract';
import {
  billingDetailsProvidedUpdate,
  changeCouponSeatsUpdate,
} from '../workflows/coupon-messages';
import {
  accountStateQuery,
  reportActivitySignal,
  attachPaymentMethodUpdate,
  changePlanUpdate,
  correctBillingDetailsUpdate,
  priceChangeSignal,
  type AccountView,
} from '../workflows/messages';
import type { PlanTerms } from '../workflows/policy/catalog';
import { formatMoney } from '../workflows/policy/money';
import { taxLabel, taxTreatment } from '../workflows/policy/vat';
import { DAY_MS, type Cycle } from '../workflows/policy/periods';

const catalog: Record<string, PlanTerms> = {
  team: {
    planId: 'team',
    name: 'Team',
    currency: 'USD',
    seatPrice: { monthly: 1900, annual: 18000 },
    trialDays: 14,
    minSeats: 1,
    maxSeats: 50,
  },
  'all-inclusive': {
    planId: 'all-inclusive',
    name: 'All-inclusive',
    currency: 'USD',
    seatPrice: { monthly: 3900, annual: 37200 },
    trialDays: 14,
    minSeats: 1,
    maxSeats: 1000,
  },
  business: {
    planId: 'business',
    name: 'Business',
    currency: 'USD',
    seatPrice: { monthly: 2900, annual: 27600 },
    trialDays: 14,
    minSeats: 2,
    maxSeats: 200,
  },
};

const DECLINING = 'pm_card_chargeDeclined';
const WEEK_MS = 7 * DAY_MS;

type Entry = { readonly at: number; readonly text: string };

/** What the simulated Postgres knows about a coupon account's billing details (LTD-7). */
const billingDetailsOnFile = new Set<string>();

/** The seller's country of the simulation (PAY-10), as `SELLER_COUNTRY` defaults. */
const SELLER_COUNTRY = 'LT';

/** The billing country and VAT id the simulated Postgres holds per account (PAY-10). */
const taxDetailsOnFile = new Map<string, { country: string; vatId: string | null }>();

/** The lifetime-deal campaign of the coupon scenario (LTD-3, LTD-4, LTD-5). */
const simulatedCampaign: StoredCampaign = {
  campaignId: 'lifetime-deal',
  planId: 'all-inclusive',
  currency: 'USD',
  includedSeats: 2,
  extraSeatPrice: 3900,
  redeemBy: Date.parse('2099-11-30T23:59:59.999Z'),
};

/** Every activity an account or coupon workflow may ask for in a scenario. */
type SimulatedActivities = BillingActivities &
  CouponActivities &
  AuditActivities &
  CreditActivities &
  Pick<RetentionActivities, 'startRetentionTimer'>;

/** Activities that do nothing but record what the workflow asked, at workflow time. */
function recordingActivities(timeline: Entry[], clock: () => Promise<number>): SimulatedActivities {
  const note = async (text: string) => {
    timeline.push({ at: await clock(), text });
  };
  return {
    loadCouponCampaign: () => Promise.resolve(simulatedCampaign),
    findCouponHolder: () => Promise.resolve({ accountId: null }),
    createCouponAccount: async ({ accountId, planId, seats }) => {
      await note(`redemption: account ${accountId} opened on ${planId} with ${seats} seats`);
      return { slug: 'acme' };
    },
    checkBillingDetails: ({ accountId }) =>
      Promise.resolve({
        missing: billingDetailsOnFile.has(accountId) ? [] : ['street', 'city', 'postcode'],
      }),
    loadPlan: ({ planId, currency }) => {
      const plan = catalog[planId];
      if (!plan) {
        throw ApplicationFailure.create({ type: 'UNKNOWN_PLAN', nonRetryable: true });
      }
      return Promise.resolve({ ...plan, currency });
    },
    loadHolidays: () => Promise.resolve([]),
    eraseAccount: async ({ reason, erasedAt }) => {
      await note(`erasure of personal data and content (${reason})`);
      return { erasedAt, erased: {} };
    },
    notifyAccountDeleted: async ({ reason }) => {
      await note(`webhook account.deleted (${reason})`);
      return { delivered: true };
    },
    attachPaymentMethod: ({ accountId, paymentMethodId }) =>
      Promise.resolve({ customerId: `cus_${accountId}`, paymentMethodId }),
    chargeInvoice: async ({ invoice, paymentMethodId, idempotencyKey }) => {
      const total = formatMoney({ amount: invoice.total, currency: invoice.currency });
      if (paymentMethodId === DECLINING) {
        await note(`charge DECLINED  ${invoice.invoiceId} ${total} (${idempotencyKey})`);
        throw ApplicationFailure.create({
          type: 'CARD_DECLINED',
          message: 'Your card was declined.',
          nonRetryable: true,
        });
      }
      const lines = invoice.lines.map(
        (line) =>
          `\n      - [${line.clause}] ${line.description}: ${line.quantity} x ${line.unitAmount} = ` +
          `${formatMoney({ amount: line.amount, currency: invoice.currency })}` +
          `${line.formula ? `\n        formula: ${line.formula}` : ''}`,
      );
      const tax = taxLabel(invoice);
      const taxLine = tax
        ? `\n      - [VAT] ${tax}: ${formatMoney({ amount: invoice.tax, currency: invoice.currency })}` +
          ` (subtotal ${formatMoney({ amount: invoice.subtotal, currency: invoice.currency })})`
        : '';
      await note(`invoice ${invoice.invoiceId} charged ${total}${lines.join('')}${taxLine}`);
      return { paymentId: `pi_${idempotencyKey}` };
    },
    recordPaidInvoice: ({ invoice }) => Promise.resolve({ number: invoice.invoiceId }),
    recordAuditEvent: async ({ kind }) => {
      await note(`audit event ${kind}`);
      return { recorded: true };
    },
    refundPayment: async ({ amount, currency, feeRetained, idempotencyKey }) => {
      await note(
        `refund ${formatMoney({ amount, currency })} of the prepaid credit ` +
          `(fee retained ${formatMoney({ amount: feeRetained, currency })}) (PAY-12)`,
      );
      return { refundId: `re_${idempotencyKey}` };
    },
    startRetentionTimer: async ({ endedAt }) => {
      await note(
        `retention timer started: what is still held goes 5 years after ` +
          `${new Date(endedAt).toISOString()} (GDPR-4)`,
      );
      return { started: true };
    },
    snapshotBillingDetails: ({ accountId }) => {
      const details = taxDetailsOnFile.get(accountId);
      return Promise.resolve(
        taxTreatment({
          sellerCountry: SELLER_COUNTRY,
          customerCountry: details?.country ?? null,
          vatId: details?.vatId ?? null,
        }),
      );
    },
    issueCorrection: async ({ cancelledInvoiceId, creditNoteId, correctedInvoiceId }) => {
      await note(
        `credit note ${creditNoteId} cancels ${cancelledInvoiceId}; corrected invoice ` +
          `${correctedInvoiceId} with the new billing details, same amounts, nothing charged (PAY-9)`,
      );
      return { creditNoteNumber: creditNoteId, invoiceNumber: correctedInvoiceId };
    },
    sendEmail: async ({ template, effectiveAt, amount }) => {
      const details = [
        effectiveAt === undefined ? null : `date ${iso(effectiveAt)}`,
        amount === undefined ? null : `amount ${formatMoney(amount)}`,
      ].filter((part) => part !== null);
      await note(`email ${template}${details.length ? ` (${details.join(', ')})` : ''}`);
      return { messageId: `<${template}@simulation>` };
    },
    publishAccount: async ({ view }) => {
      const state = describe(view);
      if (state !== lastState.get(view.accountId)) {
        lastState.set(view.accountId, state);
        await note(`state ${state}`);
      }
    },
  };
}

const lastState = new Map<string, string>();

function describe(view: AccountView): string {
  const parts = [
    view.status + (view.suspensionReason ? ` (${view.suspensionReason})` : ''),
    `${view.planName} x ${view.seats} ${view.cycle} at ${formatMoney(view.periodPrice)}`,
  ];
  if (view.pendingChange) {
    parts.push(
      `then ${view.pendingChange.planId} x ${view.pendingChange.seats} ${view.pendingChange.cycle}`,
    );
  }
  if (view.paymentFailedAt) parts.push(`payment failing since ${view.paymentFailedAt}`);
  return parts.join(', ');
}

function iso(at: number): string {
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

interface Account {
  readonly accountId: string;
  readonly handle: WorkflowHandle;
}

type Step = (ctx: {
  readonly env: TestWorkflowEnvironment;
  readonly account: Account;
  readonly say: (text: string) => Promise<void>;
}) => Promise<void>;

interface Scenario {
  readonly description: string;
  readonly plan: string;
  readonly seats: number;
  readonly cycle: Cycle;
  /** Opened by redeeming a lifetime-deal code through its coupon workflow, not by signup. */
  readonly redeemed?: boolean;
  readonly script: Step;
}

/**
 * Lets `ms` of workflow time pass while the account is in use: the product reports activity
 * at least weekly, so the inactivity clock (INACT-1, INACT-2) stays out of the billing story.
 */
async function inUse(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  ms: number,
): Promise<void> {
  for (let left = ms; left > 0; left -= WEEK_MS) {
    await handle.signal(reportActivitySignal);
    await env.sleep(Math.min(left, WEEK_MS));
  }
}

/** The owner gives a card that the processor accepts (PAY-1c). */
async function attachGoodCard(handle: WorkflowHandle): Promise<void> {
  await handle.executeUpdate(attachPaymentMethodUpdate, {
    args: [{ paymentMethodId: 'pm_card_visa' }],
  });
}

const scenarios: Record<string, Scenario> = {
  'monthly-upgrade': {
    description: 'Team x 2 monthly, upgraded to Business x 3 mid-month (PAY-2b)',
    plan: 'team',
    seats: 2,
    cycle: 'monthly',
    script: async ({ env, account, say }) => {
      await attachGoodCard(account.handle);
      await inUse(env, account.handle, 15 * DAY_MS);
      const result = await account.handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'business', seats: 3, cycle: 'monthly' }],
      });
      await say(`owner changes plan: ${result.change.explanation}`);
      await inUse(env, account.handle, 50 * DAY_MS);
    },
  },
  'annual-upgrade': {
    description: 'Team x 2 annual, upgraded to 5 seats mid-year (PAY-2a)',
    plan: 'team',
    seats: 2,
    cycle: 'annual',
    script: async ({ env, account, say }) => {
      await attachGoodCard(account.handle);
      await inUse(env, account.handle, 182 * DAY_MS);
      const result = await account.handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 5, cycle: 'annual' }],
      });
      await say(`owner changes seats: ${result.change.explanation}`);
      await inUse(env, account.handle, 200 * DAY_MS);
    },
  },
  downgrade: {
    description: 'Business x 4 monthly, downgraded to Team x 2 (PAY-3)',
    plan: 'business',
    seats: 4,
    cycle: 'monthly',
    script: async ({ env, account, say }) => {
      await attachGoodCard(account.handle);
      await inUse(env, account.handle, 10 * DAY_MS);
      const result = await account.handle.executeUpdate(changePlanUpdate, {
        args: [{ planId: 'team', seats: 2, cycle: 'monthly' }],
      });
      await say(`owner downgrades: ${result.change.explanation}`);
      await inUse(env, account.handle, 50 * DAY_MS);
    },
  },
  'price-change': {
    description: 'Team x 2 monthly; the Team price goes to 25.00 USD per seat (PAY-5)',
    plan: 'team',
    seats: 2,
    cycle: 'monthly',
    script: async ({ env, account, say }) => {
      await attachGoodCard(account.handle);
      await inUse(env, account.handle, 5 * DAY_MS);
      await say('ops announce: Team is 25.00 USD per seat per month');
      await account.handle.signal(priceChangeSignal, {
        changeId: 'simulated-price-change',
        planId: 'team',
        currency: 'USD',
        seatPrice: { monthly: 2500, annual: 24000 },
      });
      await inUse(env, account.handle, 95 * DAY_MS);
    },
  },
  coupon: {
    description: 'a lifetime-deal code redeemed; extra seats; billing details missing (LTD-1..10)',
    plan: 'all-inclusive',
    seats: 2,
    cycle: 'monthly',
    redeemed: true,
    script: async ({ env, account, say }) => {
      const seats = async (count: number) => {
        await say(`owner sets seats to ${count}`);
        await account.handle.executeUpdate(changeCouponSeatsUpdate, { args: [{ seats: count }] });
      };
      const start = await env.currentTimeMs();
      const now = new Date(start);
      const nextMonth = (day: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, day);
      await inUse(env, account.handle, nextMonth(10) - start);
      await seats(5); // three over the two included seats (LTD-6)
      await inUse(env, account.handle, nextMonth(20) - (await env.currentTimeMs()));
      await seats(4);
      // The month's extra seat-time is invoiced in arrears on the 1st; no details, no card yet.
      await inUse(env, account.handle, 30 * DAY_MS);
      await say('owner gives billing details and a card');
      billingDetailsOnFile.add(account.accountId);
      await attachGoodCard(account.handle);
      await account.handle.executeUpdate(billingDetailsProvidedUpdate);
      await inUse(env, account.handle, 1 * DAY_MS);
    },
  },
  'eu-vat': {
    description:
      'Team x 2 monthly for a German customer: VAT at 19 %, then a VAT id and a correction (PAY-9, PAY-10)',
    plan: 'team',
    seats: 2,
    cycle: 'monthly',
    script: async ({ env, account, say }) => {
      taxDetailsOnFile.set(account.accountId, { country: 'DE', vatId: null });
      await say('owner gives billing details in Germany, without a VAT id');
      await attachGoodCard(account.handle);
      await inUse(env, account.handle, 5 * DAY_MS);
      await say('owner adds the VAT id DE123456789 and asks to correct the invoice');
      taxDetailsOnFile.set(account.accountId, { country: 'DE', vatId: 'DE123456789' });
      await account.handle.executeUpdate(correctBillingDetailsUpdate);
      await inUse(env, account.handle, 12 * DAY_MS);
      await say('owner asks for another correction, 17 days after the invoice');
      try {
        await account.handle.executeUpdate(correctBillingDetailsUpdate);
      } catch (error) {
        await say(
          `refused: ${error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)}`,
        );
      }
      await inUse(env, account.handle, 14 * DAY_MS);
    },
  },
  'failed-renewal': {
    description:
      'Team x 2 monthly; the renewal is declined, retried, suspended, then paid (PAY-13)',
    plan: 'team',
    seats: 2,
    cycle: 'monthly',
    script: async ({ env, account, say }) => {
      await attachGoodCard(account.handle);
      await account.handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: DECLINING }],
      });
      await say('owner replaces the card with one that will be declined');
      await inUse(env, account.handle, 40 * DAY_MS);
      await say('owner adds a new card');
      await account.handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_mastercard' }],
      });
      await inUse(env, account.handle, 1 * DAY_MS);
    },
  },
};

async function main(): Promise<void> {
  const requested = process.argv[2] ?? 'all';
  const names = requested === 'all' ? Object.keys(scenarios) : [requested];
  for (const name of names) {
    if (!scenarios[name]) {
      console.error(`Unknown scenario "${name}". Known: ${Object.keys(scenarios).join(', ')}, all`);
      process.exitCode = 2;
      return;
    }
  }
  // The same time-skipping server as the tests: provisioned from the registries or the cache.
  const testServer = await resolveTestServer(
    toolContext((line) => console.error(`[tools] ${line}`)),
  );
  // Payloads are encrypted as on the platform (GDPR-1); the server and its key live for this run.
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...(testServer.kind === 'path'
      ? { server: { executable: { type: 'existing-path', path: testServer.path } } }
      : {}),
    plugins: [new PayloadEncryptionPlugin(ephemeralPayloadKeys('simulation'))],
  });
  try {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
    });
    for (const [index, name] of names.entries()) {
      const scenario = scenarios[name];
      const timeline: Entry[] = [];
      const clock = () => env.currentTimeMs();
      const taskQueue = `simulation-${index}`;
      const accountId = `acc_sim_${name.replace(/-/g, '_')}`;
      let shown = accountId;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle,
        activities: recordingActivities(timeline, clock),
      });
      await worker.runUntil(async () => {
        let simulated = accountId;
        const codeHash = `${name}${'0'.repeat(64)}`.slice(0, 64).replace(/[^0-9a-f]/g, 'c');
        if (scenario.redeemed) {
          timeline.push({ at: await clock(), text: `redeem a code: ${scenario.description}` });
          const redeemed = await new TemporalCouponGateway(env.client, { taskQueue }).redeem(
            codeHash,
            `simulated-${name}`,
          );
          simulated = redeemed.accountId;
        } else {
          await env.client.workflow.start('accountWorkflow', {
            taskQueue,
            workflowId: accountWorkflowId(accountId),
            args: [
              {
                accountId,
                plan: catalog[scenario.plan],
                seats: scenario.seats,
                cycle: scenario.cycle,
              },
            ],
          });
          timeline.push({ at: await clock(), text: `signup: ${scenario.description}` });
        }
        const handle = env.client.workflow.getHandle(accountWorkflowId(simulated));
        await scenario.script({
          env,
          account: { accountId: simulated, handle },
          say: async (text) => {
            timeline.push({ at: await clock(), text });
          },
        });
        const final = await handle.query(accountStateQuery);
        timeline.push({ at: await clock(), text: `end: ${describe(final)}` });
        // A deleted account's workflow has ended by itself (INACT-2).
        if ((await handle.describe()).status.name === 'RUNNING') {
          await handle.terminate('simulation finished');
        }
        if (scenario.redeemed) {
          await env.client.workflow.getHandle(couponWorkflowId(codeHash)).terminate('finished');
        }
        shown = simulated;
      });
      console.log(`\n=== ${name}: ${shown}`);
      for (const entry of timeline) console.log(`${iso(entry.at)}  ${entry.text}`);
    }
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
