/**
 * Stripe's payment facts in the account workflow, registered by the account workflow beside
 * its own handlers. An event is recorded once (by event id) and never charges, refunds or
 * changes the account: the charge was already settled by `chargeInvoice`. An event that
 * contradicts the account (a failure for an invoice it holds paid) is logged for ops, with ids
 * only.
 */
import { log, setHandler } from '@temporalio/workflow';
import { paymentEventSignal, paymentEventsQuery, type PaymentEvent } from './messages';
import type { AccountState } from './policy/account';
import {
  receivePaymentEvent,
  resumePaymentEvents,
  viewPaymentEvents,
  type PaymentEventsState,
} from './policy/payment-events';

/** Registers the handlers; returns what continue-as-new must carry. */
export function registerPaymentEventHandlers(shell: {
  readonly state: () => AccountState;
  readonly carried: PaymentEventsState | undefined;
}): () => PaymentEventsState {
  let events = resumePaymentEvents(shell.carried);

  setHandler(paymentEventsQuery, () => viewPaymentEvents(events));

  setHandler(paymentEventSignal, (event: PaymentEvent) => {
    const decision = receivePaymentEvent(events, shell.state(), event, Date.now());
    const ids = {
      eventId: event.eventId,
      type: event.type,
      invoiceId: event.invoiceId,
      paymentIntentId: event.paymentIntentId,
    };
    if (decision.kind === 'duplicate') {
      log.info('Payment event already recorded', ids);
      return;
    }
    events = decision.events;
    if (decision.alert === 'failure_reported_for_paid_invoice') {
      log.warn('Payment failure reported for an invoice the account holds paid', ids);
    } else {
      log.info('Payment event recorded', ids);
    }
  });

  return () => events;
}
