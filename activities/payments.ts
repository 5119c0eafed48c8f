/**
 * Stripe: the processor customer, payment methods and off-session charges (PAY-8: only the
 * processor's ids ever reach the platform). Every request carries an idempotency key derived
 * from the workflow's key, so a retried activity gets the first attempt's result.
 *
 * Errors are classified here, once: declines and refused requests are business outcomes
 * (non-retryable `ApplicationFailure`s: PAYMENT_METHOD_REJECTED from attachPaymentMethod,
 * CARD_DECLINED from chargeInvoice); rate limits, network failures, processor outages and
 * configuration errors (authentication, idempotency) are rethrown as they are, for Temporal to
 * retry.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import type { ActivityFailureType, BillingActivities } from './contract';
import { activityLogger } from './log';
import type { Store } from './store';

export interface PaymentDeps {
  readonly stripe: Stripe;
  readonly store: Pick<Store, 'customerFor' | 'saveCustomer'>;
  readonly logger: Logger;
}

export type PaymentActivities = Pick<BillingActivities, 'attachPaymentMethod' | 'chargeInvoice'>;

/** The synthetic payment id of an invoice that costs nothing: the processor is not called. */
export function freePaymentId(invoiceId: string): string {
  return `free:${invoiceId}`;
}

export function createPaymentActivities(deps: PaymentDeps): PaymentActivities {
  const { stripe, store } = deps;

  async function ensureCustomer(accountId: string, log: Logger): Promise<string> {
    const known = await store.customerFor(accountId);
    if (known) return known;
    // Metadata holds the account id only: no name or email goes to the processor from here.
    const created = await stripe.customers.create(
      { metadata: { accountId } },
      { idempotencyKey: `${accountId}:customer` },
    );
    const stored = await store.saveCustomer(accountId, created.id);
    log.info({ customerId: stored }, 'processor customer created');
    return stored;
  }

  return {
    async attachPaymentMethod({ accountId, paymentMethodId, idempotencyKey, allowedTypes }) {
      const log = activityLogger(deps.logger, 'attachPaymentMethod', {
        accountId,
        idempotencyKey,
      });
      try {
        const customerId = await ensureCustomer(accountId, log);
        const method = await stripe.paymentMethods.attach(
          paymentMethodId,
          { customer: customerId },
          { idempotencyKey: `${idempotencyKey}:attach` },
        );
        if (allowedTypes && !allowedTypes.includes(method.type)) {
          log.warn({ type: method.type, allowedTypes }, 'payment method type not accepted');
          throw failure(
            'PAYMENT_METHOD_REJECTED',
            `A ${method.type} payment method is not accepted here; use ${allowedTypes.join(' or ')}.`,
            { type: method.type },
          );
        }
        await stripe.customers.update(
          customerId,
          { invoice_settings: { default_payment_method: paymentMethodId } },
          { idempotencyKey: `${idempotencyKey}:default` },
        );
        log.info({ customerId, paymentMethodId }, 'payment method attached as default');
        return { customerId, paymentMethodId };
      } catch (error) {
        throw classified(error, 'attach', log);
      }
    },

    async chargeInvoice({ invoice, customerId, paymentMethodId, idempotencyKey }) {
      const log = activityLogger(deps.logger, 'chargeInvoice', {
        accountId: invoice.accountId,
        invoiceId: invoice.invoiceId,
        idempotencyKey,
      });
      if (invoice.total === 0) {
        log.info('nothing to charge: the invoice total is zero');
        return { paymentId: freePaymentId(invoice.invoiceId) };
      }
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: invoice.total,
            currency: invoice.currency.toLowerCase(),
            customer: customerId,
            payment_method: paymentMethodId,
            off_session: true,
            confirm: true,
            // Off-session charges cannot send the customer through a redirect.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            metadata: { invoiceId: invoice.invoiceId, accountId: invoice.accountId },
          },
          { idempotencyKey },
        );
        if (intent.status === 'processing') {
          // A replayed create returns the first response; ask for the intent's current state.
          intent = await stripe.paymentIntents.retrieve(intent.id);
        }
      } catch (error) {
        throw classified(error, 'charge', log);
      }
      return { paymentId: settled(intent, log) };
    },
  };
}

/** The payment id of a settled intent, or the failure that explains why it is not paid. */
function settled(intent: Stripe.PaymentIntent, log: Logger): string {
  switch (intent.status) {
    case 'succeeded':
      log.info({ paymentId: intent.id, amount: intent.amount }, 'charge succeeded');
      return intent.id;
    case 'processing':
      log.warn({ paymentId: intent.id }, 'charge still processing; will look again');
      throw ApplicationFailure.create({
        type: 'PAYMENT_PROCESSING',
        message: `Payment ${intent.id} is still processing.`,
        nonRetryable: false,
      });
    default: {
      const reason = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code;
      const explanation =
        intent.status === 'requires_action'
          ? 'the card issuer asks for the cardholder to authenticate, which an off-session charge cannot do'
          : `the payment is in status "${intent.status}"`;
      log.warn({ paymentId: intent.id, status: intent.status, reason }, 'charge not completed');
      return fail(
        'CARD_DECLINED',
        `The charge was not completed: ${explanation}${reason ? ` (${reason})` : ''}.`,
        { status: intent.status, paymentId: intent.id, reason: reason ?? null },
      );
    }
  }
}

/**
 * Maps a Stripe error to the activity's failure. Business refusals become non-retryable typed
 * failures; anything else is returned unchanged, so Temporal retries it.
 */
function classified(error: unknown, operation: 'attach' | 'charge', log: Logger): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const codes = {
    code: error.code ?? null,
    declineCode: error.decline_code ?? null,
    statusCode: error.statusCode ?? null,
    requestId: error.requestId ?? null,
  };
  switch (error.type) {
    case 'StripeCardError': {
      log.warn({ ...codes, operation }, 'card refused by the processor');
      const reason = codes.declineCode ?? codes.code ?? 'card_declined';
      // The processor's explanation of a decline names no card data; it is kept as it is.
      const message = `${error.message} (${reason})`;
      return failure(
        operation === 'attach' ? 'PAYMENT_METHOD_REJECTED' : 'CARD_DECLINED',
        message,
        codes,
      );
    }
    case 'StripeInvalidRequestError':
      log.warn(
        { ...codes, param: error.param ?? null, operation },
        'request refused by the processor',
      );
      // On attach the token is refused; on a charge the payment cannot be made with this
      // customer and payment method, which the workflow handles as any other decline.
      return operation === 'attach'
        ? failure(
            'PAYMENT_METHOD_REJECTED',
            `The payment processor refused the payment method: ${error.message}`,
            codes,
          )
        : failure(
            'CARD_DECLINED',
            `The payment processor refused the charge: ${error.message}`,
            codes,
          );
    default:
      // Rate limits, connection errors, processor 5xx, authentication and idempotency errors:
      // nothing the customer did, and a later attempt can succeed.
      log.warn({ ...codes, errorType: error.type, operation }, 'processor call failed; will retry');
      return error;
  }
}

function failure(
  type: ActivityFailureType,
  message: string,
  details: Record<string, string | number | null>,
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

function fail(
  type: ActivityFailureType,
  message: string,
  details: Record<string, string | number | null>,
): never {
  throw failure(type, message, details);
}
