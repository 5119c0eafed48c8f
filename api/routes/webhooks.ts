/**
 * Stripe webhooks (`POST /v1/webhooks/stripe`), authenticated by the Stripe-Signature header
 * over the raw body and nothing else: no API key.
 *
 * The route decides nothing. It verifies the signature with Stripe's own library (a replay
 * older than the configured tolerance is refused as such), skips an event id it has handled,
 * passes `payment_intent.succeeded` / `payment_intent.payment_failed` to the account workflow
 * named by the PaymentIntent's `metadata.accountId` as a signal, and records the event id with
 * its outcome. Any other event type is acknowledged and logged. Only ids, type and amount are
 * logged or stored: event payloads may carry personal data.
 *
 * The id is recorded after the signal: if the signal fails, Stripe's redelivery tries again,
 * and the workflow itself ignores an event id it has recorded, so two concurrent deliveries
 * never count twice.
 */
import { Type } from '@sinclair/typebox';
import Stripe from 'stripe';
import type { AppContext } from '../app';
import { ApiError } from '../errors';
import type { WebhookOutcome, WebhookStore } from '../webhook-store';
import { problems } from '../schemas';
import type { RoutesPlugin } from '../typebox';
import type { PaymentEvent } from '../../workflows/messages';

export interface WebhookDeps {
  readonly store: WebhookStore;
  /** The endpoint's signing secret (`whsec_…`). */
  readonly secret: string;
  /** Signatures older than this are refused as replays (Stripe's default is 300). */
  readonly toleranceSeconds: number;
}

const WebhookResponse = Type.Object({
  received: Type.Literal(true),
  duplicate: Type.Boolean(),
  outcome: Type.String(),
});

const paymentEventTypes: Readonly<Record<string, PaymentEvent['type']>> = {
  'payment_intent.succeeded': 'payment_succeeded',
  'payment_intent.payment_failed': 'payment_failed',
};

function verify(deps: WebhookDeps, body: unknown, header: unknown): Stripe.Event {
  if (!Buffer.isBuffer(body) || typeof header !== 'string' || header === '') {
    throw new ApiError('WEBHOOK_SIGNATURE_INVALID');
  }
  try {
    return Stripe.webhooks.constructEvent(body, header, deps.secret, deps.toleranceSeconds);
  } catch (error) {
    // The library checks the signature first, then the timestamp; its error carries the body
    // and header, so nothing of it is passed on.
    const stale = error instanceof Error && /tolerance/i.test(error.message);
    throw new ApiError(stale ? 'WEBHOOK_TIMESTAMP_STALE' : 'WEBHOOK_SIGNATURE_INVALID');
  }
}

function metadataId(metadata: Stripe.Metadata | null | undefined, key: string): string | null {
  const value = metadata?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

export function webhookRoutes(context: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    // Only this plugin's routes receive the raw bytes: the signature is over them exactly.
    app.removeContentTypeParser(['application/json']);
    app.addContentTypeParser(
      ['application/json'],
      { parseAs: 'buffer' },
      (_request, body: Buffer, parsed) => parsed(null, body),
    );

    app.post(
      '/v1/webhooks/stripe',
      {
        config: { routeId: 'webhooks.stripe', rateLimit: false },
        schema: {
          tags: ['webhooks'],
          summary:
            'Stripe events, signed with the endpoint secret; payment outcomes reach the ' +
            "account's workflow as a record (they never charge)",
          response: { 200: WebhookResponse, ...problems() },
        },
      },
      async (request) => {
        const deps = context.webhooks;
        if (!deps) throw new ApiError('TEMPORARILY_UNAVAILABLE');
        const event = verify(deps, request.body, request.headers['stripe-signature']);
        const log = request.log.child({ stripeEventId: event.id, stripeEventType: event.type });
        if (await deps.store.seen(event.id)) {
          log.info('stripe event already handled');
          return { received: true as const, duplicate: true, outcome: 'duplicate' };
        }
        let outcome: WebhookOutcome;
        let accountId: string | null = null;
        const type = paymentEventTypes[event.type];
        if (type === undefined) {
          outcome = 'ignored_unknown_type';
          log.info('stripe event type not handled; acknowledged');
        } else {
          const intent = event.data.object as Stripe.PaymentIntent;
          accountId = metadataId(intent.metadata, 'accountId');
          if (accountId === null) {
            outcome = 'ignored_no_account';
            log.info({ paymentIntentId: intent.id }, 'payment event names no account; ignored');
          } else {
            const signal: PaymentEvent = {
              eventId: event.id,
              type,
              invoiceId: metadataId(intent.metadata, 'invoiceId'),
              paymentIntentId: intent.id,
              amount: intent.amount,
              currency: intent.currency.toUpperCase(),
            };
            const running = await context.gateway.paymentEvent(accountId, signal);
            outcome = running ? 'signalled' : 'ignored_account_not_running';
            log.info(
              {
                accountId,
                invoiceId: signal.invoiceId,
                paymentIntentId: signal.paymentIntentId,
                amount: signal.amount,
                currency: signal.currency,
                outcome,
              },
              'payment event passed to the account',
            );
          }
        }
        const first = await deps.store.record({
          eventId: event.id,
          type: event.type,
          accountId,
          outcome,
        });
        return { received: true as const, duplicate: !first, outcome };
      },
    );
    done();
  };
}
