/**
 * Payment facts reported by Stripe (webhooks), as the account workflow hears them.
 *
 * A charge is settled synchronously by the `chargeInvoice` activity; what Stripe reports
 * afterwards is a record, never a reason to charge, refund or change the account's money.
 * This module decides only what an event means: whether it was heard before (Stripe delivers
 * at least once), and whether it contradicts what the account believes (a failure reported
 * for an invoice the account holds paid, for ops to look at).
 */
import type { AccountState } from './account';

/** The event as the policy needs it; the workflow's `PaymentEvent` signal has this shape. */
export interface ReceivedPaymentEvent {
  readonly eventId: string;
  readonly type: 'payment_succeeded' | 'payment_failed';
  readonly invoiceId: string | null;
  readonly paymentIntentId: string;
  readonly amount: number;
  readonly currency: string;
}

/** The last event ids remembered; Stripe redelivers within days, far fewer events than this. */
export const REMEMBERED_PAYMENT_EVENTS = 100;

export interface PaymentEventsState {
  /** Most recent last, at most `REMEMBERED_PAYMENT_EVENTS`. */
  readonly recentEventIds: readonly string[];
  /** Distinct events received over the account's life. */
  readonly received: number;
  readonly last: (ReceivedPaymentEvent & { readonly receivedAt: number }) | null;
}

export interface PaymentEventsView {
  readonly received: number;
  readonly lastPaymentEvent: {
    readonly eventId: string;
    readonly type: ReceivedPaymentEvent['type'];
    readonly invoiceId: string | null;
    readonly paymentIntentId: string;
    readonly amount: number;
    readonly currency: string;
    readonly receivedAt: string;
  } | null;
}

/** What an event means for ops; `null` when it agrees with what the account believes. */
export type PaymentEventAlert = 'failure_reported_for_paid_invoice' | null;

export type PaymentEventDecision =
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'recorded';
      readonly events: PaymentEventsState;
      readonly alert: PaymentEventAlert;
    };

export function noPaymentEvents(): PaymentEventsState {
  return { recentEventIds: [], received: 0, last: null };
}

/** Records one event unless it was heard before. Changes nothing but the record. */
export function receivePaymentEvent(
  events: PaymentEventsState,
  account: AccountState,
  event: ReceivedPaymentEvent,
  now: number,
): PaymentEventDecision {
  if (events.recentEventIds.includes(event.eventId)) return { kind: 'duplicate' };
  const recentEventIds = [...events.recentEventIds, event.eventId].slice(
    -REMEMBERED_PAYMENT_EVENTS,
  );
  const alert: PaymentEventAlert =
    event.type === 'payment_failed' &&
    event.invoiceId !== null &&
    believedPaid(account, event.invoiceId)
      ? 'failure_reported_for_paid_invoice'
      : null;
  return {
    kind: 'recorded',
    events: {
      recentEventIds,
      received: events.received + 1,
      last: {
        eventId: event.eventId,
        type: event.type,
        invoiceId: event.invoiceId,
        paymentIntentId: event.paymentIntentId,
        amount: event.amount,
        currency: event.currency,
        receivedAt: now,
      },
    },
    alert,
  };
}

/**
 * Whether the account holds this invoice paid: one of its own invoices (numbered
 * `<accountId>-NNNN` up to `invoiceCount`) that is neither being charged nor left unpaid.
 */
export function believedPaid(account: AccountState, invoiceId: string): boolean {
  const prefix = `${account.accountId}-`;
  if (!invoiceId.startsWith(prefix)) return false;
  const sequence = invoiceId.slice(prefix.length);
  if (!/^\d{4,}$/.test(sequence)) return false;
  const number = Number(sequence);
  if (number < 1 || number > account.invoiceCount) return false;
  return (
    account.charge?.invoice.invoiceId !== invoiceId &&
    account.unpaid?.invoice.invoiceId !== invoiceId
  );
}

export function viewPaymentEvents(events: PaymentEventsState): PaymentEventsView {
  const last = events.last;
  return {
    received: events.received,
    lastPaymentEvent: last
      ? {
          eventId: last.eventId,
          type: last.type,
          invoiceId: last.invoiceId,
          paymentIntentId: last.paymentIntentId,
          amount: last.amount,
          currency: last.currency,
          receivedAt: new Date(last.receivedAt).toISOString(),
        }
      : null,
  };
}

/** A carried-over record from an earlier run, or none. */
export function resumePaymentEvents(carried: PaymentEventsState | undefined): PaymentEventsState {
  return carried ?? noPaymentEvents();
}
