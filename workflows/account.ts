/**
 * The account workflow: one per customer account, living as long as the account.
 *
 * A thin durable shell around `decide()` in ./policy: it queues inputs (updates from people,
 * deadlines from timers), applies the policy to each in turn, runs the resulting effects
 * through activities and feeds their outcomes back in. All decisions are the policy's.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { BillingActivities } from '../activities/contract';
import type { RetentionActivities } from '../activities/retention-contract';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  changePlanUpdate,
  correctBillingDetailsUpdate,
  eraseOnRequestUpdate,
  previewChangeUpdate,
  reportActivitySignal,
  requestCancellationUpdate,
  priceChangeSignal,
  seatsInUseSignal,
  sharedLoginDetectedSignal,
  usageReportedSignal,
  stopAccountUpdate,
  type AccountWorkflowInput,
  type ChangePlanInput,
  type ChangeQuote,
  type ChangeResult,
  type CommandResult,
  type PaymentMethodUpdateInput,
  type RefusalType,
} from './messages';
import {
  decide,
  nextDeadline,
  openAccount,
  refuse,
  resumeState,
  reportActivity,
  viewAccount,
  type AccountEffect,
  type AccountInput,
  type AccountState,
  type AccountView,
} from './policy/account';
import { decideChange, refuseChangeEarly, type PlanChangeRequest } from './policy/changes';
import type { PlanTerms } from './policy/catalog';
import { registerCouponHandlers } from './coupon-handlers';
import { registerCreditHandlers, runRefund } from './credit-handlers';
import { openCouponAccount } from './policy/coupon';
import { registerOpsHandlers } from './ops-handlers';
import { registerPaymentEventHandlers } from './payment-events';
import type { PaymentEventsState } from './policy/payment-events';
import type { InvoiceDraft } from './policy/invoice';
import { applyTax } from './policy/vat';

/** Reads and bookkeeping: quick, retried until they succeed. */
const store = proxyActivities<BillingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [
      'UNKNOWN_PLAN',
      'CURRENCY_NOT_OFFERED',
      'CONTACT_NOT_FOUND',
      'EMAIL_DATA_MISSING',
    ],
  },
});

/**
 * Money movements: retried with backoff on infrastructure errors (safe, because each carries
 * an idempotency key), never on a decline, which is a business outcome.
 */
const payments = proxyActivities<Pick<BillingActivities, 'attachPaymentMethod' | 'chargeInvoice'>>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['CARD_DECLINED', 'PAYMENT_METHOD_REJECTED'],
  },
});

/** TERM-1 audit records: bookkeeping, retried until they succeed (idempotent by key). */
const audit = proxyActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** GDPR-4: starting the retention timer is retried until it succeeds (idempotent by id). */
const retention = proxyActivities<Pick<RetentionActivities, 'startRetentionTimer'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** What continue-as-new carries into the next run. */
export interface AccountCarryOver {
  readonly state: AccountState;
  readonly version: number;
  /** Stripe payment events already recorded (absent in runs from before they were). */
  readonly paymentEvents?: PaymentEventsState;
}

interface Command {
  readonly input: AccountInput;
  readonly ticket?: number;
}

type Outcome =
  | { readonly ok: true; readonly result: CommandResult & { readonly change?: ChangeQuote } }
  | { readonly ok: false; readonly type: RefusalType; readonly message: string };

/** History length at which a run hands over to a fresh one even if the server has not asked. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 10_000;

export async function accountWorkflow(
  input: AccountWorkflowInput,
  carried?: AccountCarryOver,
): Promise<AccountView> {
  let state: AccountState = carried
    ? withLifecycleDefaults(resumeState(carried.state))
    : input.coupon
      ? openCouponAccount({
          accountId: input.accountId,
          plan: input.plan,
          terms: input.coupon,
          now: Date.now(),
        })
      : openAccount({
          accountId: input.accountId,
          plan: input.plan,
          seats: input.seats,
          cycle: input.cycle,
          now: Date.now(),
          ...(input.settings ? { settings: input.settings } : {}),
        });
  let version = carried?.version ?? 0;

  const inbox: Command[] = [];
  const outcomes = new Map<number, Outcome>();
  let nextTicket = 0;

  async function submit(
    command: AccountInput,
  ): Promise<CommandResult & { readonly change?: ChangeQuote }> {
    const ticket = nextTicket++;
    inbox.push({ input: command, ticket });
    await condition(() => outcomes.has(ticket));
    const outcome = outcomes.get(ticket)!;
    outcomes.delete(ticket);
    if (!outcome.ok) {
      throw ApplicationFailure.create({
        type: outcome.type,
        message: outcome.message,
        nonRetryable: true,
      });
    }
    return outcome.result;
  }

  function validate(command: AccountInput): void {
    const refusal = refuse(state, command);
    if (refusal) throw refusalFailure(refusal);
  }

  setHandler(accountStateQuery, () => viewAccount(state, Date.now()));

  function validateChange(request: ChangePlanInput): void {
    if (!Number.isSafeInteger(request.seats) || request.seats < 1) {
      throw ApplicationFailure.create({
        type: 'SEATS_OUT_OF_RANGE',
        message: 'The number of seats must be a positive whole number.',
        nonRetryable: true,
      });
    }
    const refusal = refuseChangeEarly(state, request);
    if (refusal) throw refusalFailure(refusal);
  }

  /** The new plan's terms from the catalog, in the account's currency (FREE-1: data). */
  async function changeRequest(request: ChangePlanInput): Promise<PlanChangeRequest> {
    let plan: PlanTerms;
    try {
      plan = await store.loadPlan({ planId: request.planId, currency: state.plan.currency });
    } catch (error) {
      throw catalogRefusal(error);
    }
    return {
      plan,
      seats: request.seats,
      cycle: request.cycle,
      ...(request.confirmSeatsRemoved === undefined
        ? {}
        : { confirmSeatsRemoved: request.confirmSeatsRemoved }),
    };
  }

  setHandler(
    changePlanUpdate,
    async (request): Promise<ChangeResult> => {
      const { change, ...result } = await submit({
        kind: 'plan_change_requested',
        request: await changeRequest(request),
      });
      if (!change) throw new Error('An accepted change always has its quote');
      return { ...result, change };
    },
    { validator: validateChange },
  );

  setHandler(
    previewChangeUpdate,
    async (request): Promise<ChangeQuote> => {
      const decision = decideChange(state, await changeRequest(request), Date.now());
      if (!decision.ok) throw refusalFailure(decision.refusal);
      return decision.quote;
    },
    { validator: validateChange },
  );

  setHandler(priceChangeSignal, (change) => {
    inbox.push({
      input: {
        kind: 'price_change_announced',
        changeId: change.changeId,
        planId: change.planId,
        currency: change.currency,
        seatPrice: { monthly: change.seatPrice.monthly, annual: change.seatPrice.annual },
      },
    });
  });

  setHandler(usageReportedSignal, ({ endUsers, ticketsPerAgent }) => {
    inbox.push({ input: { kind: 'usage_reported', endUsers, ticketsPerAgent } });
  });

  setHandler(sharedLoginDetectedSignal, () => {
    inbox.push({ input: { kind: 'shared_login_detected' } });
  });

  setHandler(seatsInUseSignal, ({ seatsInUse }) => {
    inbox.push({ input: { kind: 'seats_in_use_reported', seatsInUse } });
  });

  // INACT-1: the clock moves in memory only. No effect runs and the loop is not woken: the
  // timer already set fires at the old deadline, finds it moved and sleeps again. A report
  // costs its signal event and one workflow task with no commands (4 events); a busy account
  // fires one inactivity timer per 28 days. The API coalesces reports (api/activity-coalescer.ts).
  setHandler(reportActivitySignal, () => {
    state = reportActivity(state, Date.now());
  });

  setHandler(
    attachPaymentMethodUpdate,
    ({ paymentMethodId }) => submit({ kind: 'payment_method_submitted', paymentMethodId }),
    {
      validator: ({ paymentMethodId }: PaymentMethodUpdateInput) =>
        validate({ kind: 'payment_method_submitted', paymentMethodId }),
    },
  );

  setHandler(stopAccountUpdate, () => submit({ kind: 'stop_requested' }));

  // PAY-9: the new details are already in Postgres; the policy decides from the latest
  // invoice's issue time whether a credit note and a corrected invoice are issued.
  setHandler(
    correctBillingDetailsUpdate,
    () => submit({ kind: 'billing_details_correction_requested', requestedAt: Date.now() }),
    {
      validator: () =>
        validate({ kind: 'billing_details_correction_requested', requestedAt: Date.now() }),
    },
  );

  setHandler(eraseOnRequestUpdate, () => submit({ kind: 'erasure_requested' }), {
    validator: () => validate({ kind: 'erasure_requested' }),
  });

  setHandler(
    requestCancellationUpdate,
    async () => {
      const holidays = await store.loadHolidays();
      return submit({ kind: 'support_cancellation_requested', holidays });
    },
    { validator: () => validate({ kind: 'support_cancellation_requested', holidays: [] }) },
  );

  registerCouponHandlers({
    state: () => state,
    submit,
    validate,
    enqueue: (command) => inbox.push({ input: command }),
  });

  registerCreditHandlers({ submit, validate });
  registerOpsHandlers({ submit, validate });

  const paymentEvents = registerPaymentEventHandlers({
    state: () => state,
    carried: carried?.paymentEvents,
  });

  /** Invoices as charged, with their tax (PAY-10), by invoice id, until `apply` reports them. */
  const taxedInvoices = new Map<string, InvoiceDraft>();

  async function publish(): Promise<void> {
    version += 1;
    await store.publishAccount({ view: viewAccount(state, Date.now()), version });
  }

  /** Applies one command and every outcome it leads to, then answers its caller. */
  async function apply(command: Command): Promise<void> {
    const refusal = command.ticket === undefined ? null : refuse(state, command.input);
    if (refusal && command.ticket !== undefined) {
      // The state changed between validation and execution (e.g. the account was stopped).
      outcomes.set(command.ticket, {
        ok: false,
        type: refusal.code,
        message: refusal.clause ? `${refusal.message} (${refusal.clause})` : refusal.message,
      });
      return;
    }
    const charged: { invoiceId: string; amount: CommandResult['charged'][number]['amount'] }[] = [];
    const quote =
      command.input.kind === 'plan_change_requested'
        ? decideChange(state, command.input.request, Date.now())
        : null;
    let failure: Outcome | null = null;
    const queue: AccountInput[] = [command.input];
    while (queue.length > 0) {
      const decision = decide(state, queue.shift()!, Date.now());
      state = decision.state;
      for (const effect of decision.effects) {
        const outcome = await run(effect);
        if (!outcome) continue;
        queue.push(outcome);
        if (outcome.kind === 'charge_succeeded' && effect.kind === 'charge_invoice') {
          const invoice = taxedInvoices.get(effect.invoice.invoiceId) ?? effect.invoice;
          taxedInvoices.delete(effect.invoice.invoiceId);
          charged.push({
            invoiceId: invoice.invoiceId,
            amount: { amount: invoice.total, currency: invoice.currency },
          });
        } else if (outcome.kind === 'charge_failed') {
          failure = { ok: false, type: 'CARD_DECLINED', message: outcome.message };
        } else if (outcome.kind === 'payment_method_rejected') {
          failure = { ok: false, type: 'PAYMENT_METHOD_REJECTED', message: outcome.message };
        }
      }
    }
    await publish();
    if (command.ticket !== undefined) {
      outcomes.set(
        command.ticket,
        failure ?? {
          ok: true,
          result: {
            account: viewAccount(state, Date.now()),
            charged,
            ...(quote?.ok ? { change: quote.quote } : {}),
          },
        },
      );
    }
  }

  /** Runs one effect; returns the outcome the policy must hear about, if any. */
  async function run(effect: AccountEffect): Promise<AccountInput | null> {
    switch (effect.kind) {
      case 'attach_payment_method':
        try {
          const attached = await payments.attachPaymentMethod({
            accountId: state.accountId,
            paymentMethodId: effect.paymentMethodId,
            idempotencyKey: effect.idempotencyKey,
            ...(effect.allowedTypes ? { allowedTypes: [...effect.allowedTypes] } : {}),
          });
          return { kind: 'payment_method_attached', ...attached };
        } catch (error) {
          const refusal = businessFailure(error, 'PAYMENT_METHOD_REJECTED');
          return { kind: 'payment_method_rejected', code: refusal.type, message: refusal.message };
        }
      case 'charge_invoice': {
        // PAY-10: the billing details in force are snapshotted for this invoice (the first
        // snapshot wins, so a retried charge is taxed the same) and only the tax treatment,
        // no personal data, comes back; the charge is the total including tax.
        const treatment = await store.snapshotBillingDetails({
          accountId: state.accountId,
          invoiceId: effect.invoice.invoiceId,
        });
        const invoice = applyTax(effect.invoice, treatment);
        taxedInvoices.set(invoice.invoiceId, invoice);
        let paymentId: string;
        try {
          ({ paymentId } = await payments.chargeInvoice({
            invoice,
            customerId: effect.customerId,
            paymentMethodId: effect.paymentMethodId,
            idempotencyKey: effect.idempotencyKey,
          }));
        } catch (error) {
          taxedInvoices.delete(invoice.invoiceId);
          const decline = businessFailure(error, 'CARD_DECLINED');
          log.info('Charge declined', { invoiceId: effect.invoice.invoiceId });
          return {
            kind: 'charge_failed',
            invoiceId: effect.invoice.invoiceId,
            code: decline.type,
            message: decline.message,
          };
        }
        await store.recordPaidInvoice({
          invoice,
          paymentId,
          idempotencyKey: effect.idempotencyKey,
          paidAt: Date.now(),
        });
        return { kind: 'charge_succeeded', invoiceId: effect.invoice.invoiceId, paymentId };
      }
      case 'send_email':
        try {
          await store.sendEmail({
            accountId: state.accountId,
            template: effect.template,
            idempotencyKey: effect.idempotencyKey,
            ...(effect.invoiceId === undefined ? {} : { invoiceId: effect.invoiceId }),
            ...(effect.effectiveAt === undefined ? {} : { effectiveAt: effect.effectiveAt }),
            ...(effect.amount === undefined ? {} : { amount: effect.amount }),
          });
        } catch (error) {
          // An email that can never be sent (no contact on file) must not end the account's life.
          if (!(error instanceof ActivityFailure)) throw error;
          log.warn('Email not sent', {
            template: effect.template,
            idempotencyKey: effect.idempotencyKey,
            reason: error.cause?.message ?? error.message,
          });
        }
        return null;
      case 'issue_correction':
        await store.issueCorrection({
          accountId: state.accountId,
          cancelledInvoiceId: effect.cancelledInvoiceId,
          creditNoteId: effect.creditNoteId,
          correctedInvoiceId: effect.correctedInvoiceId,
          idempotencyKey: effect.idempotencyKey,
          issuedAt: Date.now(),
        });
        return null;
      case 'erase_account':
        // CAN-3 / INACT-2: retried until it succeeds; erasure is idempotent by its key.
        await store.eraseAccount({
          accountId: state.accountId,
          reason: effect.reason,
          idempotencyKey: effect.idempotencyKey,
          erasedAt: Date.now(),
        });
        return null;
      case 'notify_account_deleted':
        await store.notifyAccountDeleted({
          accountId: state.accountId,
          reason: effect.reason,
          erasedAt: effect.erasedAt,
          idempotencyKey: effect.idempotencyKey,
        });
        return null;
      case 'refund_payment':
        // PAY-12: retried until the processor answers; refused refunds are recorded for ops.
        return runRefund(state.accountId, effect, Date.now());
      case 'record_audit_event':
        await audit.recordAuditEvent({
          accountId: state.accountId,
          kind: effect.event,
          detail: effect.detail,
          occurredAt: effect.occurredAt,
          idempotencyKey: effect.idempotencyKey,
        });
        return null;
      case 'start_retention':
        // GDPR-4: the timer is a workflow of its own, started by an activity so that it
        // outlives this one, which ends once the account is deleted (INACT-2).
        await retention.startRetentionTimer({
          accountId: state.accountId,
          reason: state.erasure?.reason ?? 'cancelled',
          endedAt: effect.endedAt,
        });
        return null;
    }
  }

  await publish();

  for (;;) {
    if (inbox.length > 0) {
      await apply(inbox.shift()!);
      continue;
    }
    if (state.status === 'deleted') {
      // Answer any command that raced the deletion, then end.
      await condition(() => inbox.length > 0 || allHandlersFinished());
      if (inbox.length > 0) continue;
      break;
    }
    const deadline = nextDeadline(state);
    const now = Date.now();
    if (deadline && now >= deadline.at) {
      await apply({ input: { kind: 'deadline_reached' } });
      continue;
    }
    if (historyTooLong()) {
      // Hand over only when no command is queued or in flight, so no caller is dropped.
      await condition(() => inbox.length > 0 || allHandlersFinished());
      if (inbox.length === 0 && allHandlersFinished()) {
        await continueAsNew<typeof accountWorkflow>(input, {
          state,
          version,
          paymentEvents: paymentEvents(),
        });
      }
      continue;
    }
    // Signals that only move a clock (reportActivity) do not wake the loop, but a history grown
    // long by them does, so that the run hands over before it reaches Temporal's limits.
    const wake = () => inbox.length > 0 || historyTooLong();
    if (deadline) await condition(wake, deadline.at - now);
    else await condition(wake);
  }

  return viewAccount(state, Date.now());
}

function refusalFailure(refusal: {
  readonly code: RefusalType;
  readonly message: string;
  readonly clause?: string;
}): ApplicationFailure {
  return ApplicationFailure.create({
    type: refusal.code,
    message: refusal.clause ? `${refusal.message} (${refusal.clause})` : refusal.message,
    nonRetryable: true,
  });
}

/** A plan the catalog does not have (in this currency) refuses the change; anything else retries. */
function catalogRefusal(error: unknown): unknown {
  if (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    (error.cause.type === 'UNKNOWN_PLAN' || error.cause.type === 'CURRENCY_NOT_OFFERED')
  ) {
    return ApplicationFailure.create({
      type: error.cause.type,
      message: error.cause.message,
      nonRetryable: true,
    });
  }
  return error;
}

/** A state carried over from a run that predates the inactivity clock starts it at signup. */
function withLifecycleDefaults(state: AccountState): AccountState {
  return {
    ...state,
    lastActivityAt: state.lastActivityAt ?? state.createdAt,
    inactivityWarnedFor: state.inactivityWarnedFor ?? null,
    erasure: state.erasure ?? null,
  };
}

function historyTooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
}

/** The business failure inside an activity failure, or the error itself if it is anything else. */
function businessFailure(
  error: unknown,
  type: RefusalType,
): { readonly type: RefusalType; readonly message: string } {
  if (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === type
  ) {
    return { type, message: error.cause.message };
  }
  throw error;
}
