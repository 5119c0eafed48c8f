/** A fake account gateway: records what the API asked of the workflow, answers as told. */
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { AccountGateway, HistoryPage } from '../../../api/gateway';
import type {
  AccountReport,
  AccountView,
  AccountWorkflowInput,
  ChangePlanInput,
  ChangeQuote,
  ChangeResult,
  CommandResult,
  PaymentEvent,
  PaymentMethodUpdateInput,
  PriceChangeInput,
  RefusalType,
} from '../../../workflows/messages';
import type { PrepaidCreditInput } from '../../../workflows/credit-messages';
import type { OpsActionInput, ReactivationInput } from '../../../workflows/ops-messages';
import type { PriceChangeOutcome } from '../../../workflows/price-change-messages';

export function accountView(accountId: string, overrides: Partial<AccountView> = {}): AccountView {
  return {
    accountId,
    status: 'trialing',
    suspensionReason: null,
    planId: 'team',
    planName: 'Team',
    seats: 3,
    cycle: 'monthly',
    periodPrice: { amount: 5700, currency: 'USD' },
    trialEndsAt: '2026-12-06T10:00:00.000Z',
    currentPeriod: null,
    nextDeadline: {
      at: '2026-12-06T10:00:00.000Z',
      action: 'end_trial',
      description: 'The trial ends; without a payment method the account is suspended (PAY-1b).',
    },
    hasPaymentMethod: false,
    pendingCancellationAt: null,
    cancelledAt: null,
    pendingChange: null,
    seatsInUse: 0,
    paymentFailedAt: null,
    enterpriseReview: null,
    sharedLoginSurchargePending: false,
    lastActivityAt: '2026-11-22T10:00:00.000Z',
    deletionDueAt: '2027-01-17T10:00:00.000Z',
    erasedAt: null,
    prepaidCredit: null,
    opsNotice: null,
    opsSuspension: null,
    termination: null,
    ...overrides,
  };
}

/** A monthly upgrade's quote: nothing now, the new price at the next renewal (PAY-2b). */
export function upgradeQuote(): ChangeQuote {
  return {
    kind: 'upgrade_next_renewal',
    effective: 'now',
    clause: 'PAY-2b',
    explanation: 'On a monthly cycle an upgrade charges nothing now.',
    chargeNow: { amount: 0, currency: 'USD' },
    nextInvoice: { at: '2026-12-22T10:00:00.000Z', amount: { amount: 8100, currency: 'USD' } },
  };
}

/** What the Temporal client throws when the workflow refuses an update. */
export function refusal(
  type: RefusalType,
  message = `refused: ${type}`,
): WorkflowUpdateFailedError {
  return new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type, message, nonRetryable: true }),
  );
}

export function notFound(accountId: string): WorkflowNotFoundError {
  return new WorkflowNotFoundError('Workflow not found', `account:${accountId}`, undefined);
}

export interface FakeGateway extends AccountGateway {
  openAccount: jest.Mock<Promise<void>, [AccountWorkflowInput]>;
  attachPaymentMethod: jest.Mock<
    Promise<CommandResult>,
    [string, PaymentMethodUpdateInput, string]
  >;
  stopAccount: jest.Mock<Promise<CommandResult>, [string, string]>;
  eraseOnRequest: jest.Mock<Promise<CommandResult>, [string, string]>;
  requestCancellation: jest.Mock<Promise<CommandResult>, [string, string]>;
  correctBillingDetails: jest.Mock<Promise<CommandResult>, [string, string]>;
  suspendAccount: jest.Mock<Promise<CommandResult>, [string, OpsActionInput, string]>;
  reactivateAccount: jest.Mock<Promise<CommandResult>, [string, ReactivationInput, string]>;
  terminateAccount: jest.Mock<Promise<CommandResult>, [string, OpsActionInput, string]>;
  changePlan: jest.Mock<Promise<ChangeResult>, [string, ChangePlanInput, string]>;
  addPrepaidCredit: jest.Mock<Promise<CommandResult>, [string, PrepaidCreditInput, string]>;
  previewChange: jest.Mock<Promise<ChangeQuote>, [string, ChangePlanInput]>;
  announcePriceChange: jest.Mock<Promise<PriceChangeOutcome | null>, [PriceChangeInput, number]>;
  report: jest.Mock<Promise<void>, [string, AccountReport]>;
  paymentEvent: jest.Mock<Promise<boolean>, [string, PaymentEvent]>;
  reportActivity: jest.Mock<Promise<void>, [string]>;
  state: jest.Mock<Promise<AccountView>, [string]>;
  history: jest.Mock<Promise<HistoryPage>, [string, Uint8Array | null]>;
  ping: jest.Mock<Promise<void>, []>;
  /** Every call, in order, as [method, ...args]. */
  readonly calls: () => [string, ...unknown[]][];
}

/** A gateway whose workflow accepts everything, as a healthy account in its trial would. */
export function fakeGateway(): FakeGateway {
  const gateway = {
    openAccount: jest.fn<Promise<void>, [AccountWorkflowInput]>(() => Promise.resolve()),
    attachPaymentMethod: jest.fn<
      Promise<CommandResult>,
      [string, PaymentMethodUpdateInput, string]
    >((accountId) =>
      Promise.resolve({
        account: accountView(accountId, {
          status: 'active',
          hasPaymentMethod: true,
          trialEndsAt: null,
          currentPeriod: { start: '2026-11-22T10:00:00.000Z', end: '2026-12-22T10:00:00.000Z' },
          nextDeadline: {
            at: '2026-12-22T10:00:00.000Z',
            action: 'renew',
            description: 'The next period starts and is charged in advance (PAY-1d).',
          },
        }),
        charged: [{ invoiceId: `${accountId}-0001`, amount: { amount: 5700, currency: 'USD' } }],
      }),
    ),
    stopAccount: jest.fn<Promise<CommandResult>, [string, string]>((accountId) =>
      Promise.resolve({
        account: accountView(accountId, {
          status: 'cancelled',
          trialEndsAt: null,
          nextDeadline: null,
          cancelledAt: '2026-11-22T10:00:00.000Z',
        }),
        charged: [],
      }),
    ),
    eraseOnRequest: jest.fn<Promise<CommandResult>, [string, string]>((accountId) =>
      Promise.resolve({
        account: accountView(accountId, {
          status: 'deleted',
          trialEndsAt: null,
          nextDeadline: null,
          deletionDueAt: null,
          cancelledAt: '2026-11-22T10:00:00.000Z',
          erasedAt: '2026-11-22T10:00:00.000Z',
        }),
        charged: [],
      }),
    ),
    requestCancellation: jest.fn<Promise<CommandResult>, [string, string]>((accountId) =>
      Promise.resolve({
        account: accountView(accountId, {
          pendingCancellationAt: '2026-11-24T23:59:59.999Z',
          nextDeadline: {
            at: '2026-11-24T23:59:59.999Z',
            action: 'cancel',
            description: 'The cancellation filed with support takes effect (CAN-1).',
          },
        }),
        charged: [],
      }),
    ),
    correctBillingDetails: jest.fn<Promise<CommandResult>, [string, string]>((accountId) =>
      Promise.resolve({ account: accountView(accountId), charged: [] }),
    ),
    // TERM-1: a suspension announced for 7 days later (an urgent one: suspended at once).
    suspendAccount: jest.fn<Promise<CommandResult>, [string, OpsActionInput, string]>(
      (accountId, input) =>
        Promise.resolve({
          account: input.urgent
            ? accountView(accountId, {
                status: 'suspended',
                suspensionReason: 'ops_suspended',
                opsSuspension: { reason: input.reason, since: '2026-11-22T10:00:00.000Z' },
              })
            : accountView(accountId, {
                opsNotice: {
                  action: 'suspend',
                  reason: input.reason,
                  announcedAt: '2026-11-22T10:00:00.000Z',
                  effectiveAt: '2026-11-29T10:00:00.000Z',
                },
              }),
          charged: [],
        }),
    ),
    reactivateAccount: jest.fn<Promise<CommandResult>, [string, ReactivationInput, string]>(
      (accountId) => Promise.resolve({ account: accountView(accountId), charged: [] }),
    ),
    terminateAccount: jest.fn<Promise<CommandResult>, [string, OpsActionInput, string]>(
      (accountId, input) =>
        Promise.resolve({
          account: input.urgent
            ? accountView(accountId, {
                status: 'cancelled',
                trialEndsAt: null,
                cancelledAt: '2026-11-22T10:00:00.000Z',
                termination: { reason: input.reason, at: '2026-11-22T10:00:00.000Z' },
                deletionDueAt: '2026-12-22T10:00:00.000Z',
                nextDeadline: null,
              })
            : accountView(accountId, {
                opsNotice: {
                  action: 'terminate',
                  reason: input.reason,
                  announcedAt: '2026-11-22T10:00:00.000Z',
                  effectiveAt: '2026-11-29T10:00:00.000Z',
                },
              }),
          charged: [],
        }),
    ),
    changePlan: jest.fn<Promise<ChangeResult>, [string, ChangePlanInput, string]>(
      (accountId, input) =>
        Promise.resolve({
          account: accountView(accountId, {
            status: 'active',
            planId: input.planId,
            seats: input.seats,
            cycle: input.cycle,
          }),
          charged: [],
          change: upgradeQuote(),
        }),
    ),
    addPrepaidCredit: jest.fn<Promise<CommandResult>, [string, PrepaidCreditInput, string]>(
      (accountId, input) =>
        Promise.resolve({
          account: accountView(accountId, {
            status: 'active',
            hasPaymentMethod: true,
            trialEndsAt: null,
            currentPeriod: { start: '2026-11-22T10:00:00.000Z', end: '2027-11-22T10:00:00.000Z' },
            prepaidCredit: {
              creditId: `${accountId}-0002`,
              amount: { amount: input.amount, currency: input.currency },
              remaining: { amount: input.amount, currency: input.currency },
              remainingAt: '2026-12-02T10:00:00.000Z',
              balance: { amount: input.amount, currency: input.currency },
              balanceAt: '2027-11-22T10:00:00.000Z',
              startsAt: '2027-11-22T10:00:00.000Z',
              drawing: false,
              projectedEndAt: '2028-11-22T10:00:00.000Z',
              refundRatioBasisPoints: input.refundRatioBasisPoints ?? 5000,
              settlement: null,
            },
          }),
          charged: [
            {
              invoiceId: `${accountId}-0002`,
              amount: { amount: input.amount, currency: input.currency },
            },
          ],
        }),
    ),
    previewChange: jest.fn<Promise<ChangeQuote>, [string, ChangePlanInput]>(() =>
      Promise.resolve(upgradeQuote()),
    ),
    report: jest.fn<Promise<void>, [string, AccountReport]>(() => Promise.resolve()),
    paymentEvent: jest.fn<Promise<boolean>, [string, PaymentEvent]>(() => Promise.resolve(true)),
    announcePriceChange: jest.fn<Promise<PriceChangeOutcome | null>, [PriceChangeInput, number]>(
      (input) => Promise.resolve({ changeId: input.changeId, notified: 2, skipped: 0 }),
    ),
    reportActivity: jest.fn<Promise<void>, [string]>(() => Promise.resolve()),
    state: jest.fn<Promise<AccountView>, [string]>((accountId) =>
      Promise.resolve(accountView(accountId)),
    ),
    history: jest.fn<Promise<HistoryPage>, [string, Uint8Array | null]>(() =>
      Promise.resolve({ events: [], nextPageToken: null }),
    ),
    ping: jest.fn<Promise<void>, []>(() => Promise.resolve()),
  };
  const calls = (): [string, ...unknown[]][] =>
    Object.entries(gateway)
      .flatMap(([name, mock]) =>
        mock.mock.calls.map((args, index) => ({
          order: mock.mock.invocationCallOrder[index] ?? 0,
          call: [name, ...(args as unknown[])] as [string, ...unknown[]],
        })),
      )
      .sort((a, b) => a.order - b.order)
      .map(({ call }) => call);
  return { ...gateway, calls };
}
