/**
 * The account owner (role `owner`, a key bound to one account): attach a payment method,
 * stop the account, read its state. Commands are Temporal updates; refusals come back as
 * problems with the workflow's code (ACCOUNT_CLOSED, CARD_DECLINED, …).
 */
import { Type } from '@sinclair/typebox';
import { requestKeyFor, type AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import {
  AccountParams,
  AccountViewSchema,
  commandResult,
  CommandResultSchema,
  IdempotencyHeaders,
  problems,
} from '../schemas';

export const PaymentMethodBody = Type.Object(
  {
    paymentMethodId: Type.String({
      pattern: '^pm_[A-Za-z0-9_]{1,250}$',
      description: "The payment processor's payment method token; never card details (PAY-8)",
      examples: ['pm_card_visa'],
    }),
  },
  { additionalProperties: false },
);

export function ownerRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/accounts/:accountId/payment-method',
      {
        config: { routeId: 'owner.attachPaymentMethod', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Attach or replace the payment method (PAY-7). During the trial or while suspended ' +
            'this charges the period at once (PAY-1c, PAY-1b, PAY-13).',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: PaymentMethodBody,
          response: { 200: CommandResultSchema, ...problems(402, 404, 409, 422) },
        },
      },
      async (request) =>
        commandResult(
          await deps.gateway.attachPaymentMethod(
            request.params.accountId,
            { paymentMethodId: request.body.paymentMethodId },
            requestKeyFor(request, 'owner.attachPaymentMethod'),
          ),
        ),
    );

    app.post(
      '/v1/accounts/:accountId/stop',
      {
        config: { routeId: 'owner.stop', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary: 'Stop the account now: cancelled at once, nothing more is charged (CAN-2)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 200: CommandResultSchema, ...problems(404, 409) },
        },
      },
      async (request) =>
        commandResult(
          await deps.gateway.stopAccount(
            request.params.accountId,
            requestKeyFor(request, 'owner.stop'),
          ),
        ),
    );

    app.get(
      '/v1/accounts/:accountId',
      {
        config: { routeId: 'owner.get' },
        schema: {
          tags: ['owner'],
          summary: 'The account as it is now',
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 200: AccountViewSchema, ...problems(404) },
        },
      },
      async (request) => deps.gateway.state(request.params.accountId),
    );
    done();
  };
}
