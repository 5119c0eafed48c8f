/**
 * The account owner (role `owner`, a key bound to one account): attach a payment method,
 * stop the account, read its state. Commands are Temporal updates; refusals come back as
 * problems with the workflow's code (ACCOUNT_CLOSED, CARD_DECLINED, …).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ChangePlanInput } from '../../workflows/messages';
import { requestKeyFor, type AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import {
  AccountParams,
  AccountViewSchema,
  ChangeQuoteSchema,
  changeResult,
  ChangeResultSchema,
  commandResult,
  CommandResultSchema,
  Cycle,
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

export const ChangePlanBody = Type.Object(
  {
    planId: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      description: 'A plan id from the catalog',
      examples: ['business'],
    }),
    seats: Type.Integer({ minimum: 1, maximum: 100_000 }),
    cycle: Cycle,
    confirmSeatsRemoved: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          'PAY-4: when the seats go below the seats in use, the number of in-use seats the owner ' +
          'accepts to lose (the CONFIRMATION_REQUIRED refusal says how many)',
      }),
    ),
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

    app.post(
      '/v1/accounts/:accountId/plan-change',
      {
        config: { routeId: 'owner.changePlan', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Change plan, seats or cycle. An annual upgrade charges the prorated difference now ' +
            '(PAY-2a); a monthly upgrade charges nothing now (PAY-2b); a downgrade takes effect ' +
            'at the next renewal with no credit (PAY-3); dropping seats in use needs ' +
            'confirmSeatsRemoved (PAY-4)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: ChangePlanBody,
          response: { 200: ChangeResultSchema, ...problems(402, 404, 409, 422) },
        },
      },
      async (request) =>
        changeResult(
          await deps.gateway.changePlan(
            request.params.accountId,
            changeInput(request.body),
            requestKeyFor(request, 'owner.changePlan'),
          ),
        ),
    );

    app.post(
      '/v1/accounts/:accountId/plan-change/preview',
      {
        config: { routeId: 'owner.previewPlanChange' },
        schema: {
          tags: ['owner'],
          summary:
            'What a plan, seat or cycle change would charge now and what the next invoice would ' +
            'be; changes and charges nothing',
          security: [{ apiKey: [] }],
          params: AccountParams,
          body: ChangePlanBody,
          response: { 200: ChangeQuoteSchema, ...problems(404, 409, 422) },
        },
      },
      async (request) =>
        deps.gateway.previewChange(request.params.accountId, changeInput(request.body)),
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

function changeInput(body: Static<typeof ChangePlanBody>): ChangePlanInput {
  return {
    planId: body.planId,
    seats: body.seats,
    cycle: body.cycle,
    ...(body.confirmSeatsRemoved === undefined
      ? {}
      : { confirmSeatsRemoved: body.confirmSeatsRemoved }),
  };
}
