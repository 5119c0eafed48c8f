/**
 * Support staff (role `support`): file a cancellation the owner asked for by email (CAN-1),
 * read an account, replace a lost owner key, and add a prepaid credit agreed with the customer
 * (PAY-11; ops may add one too).
 */
import { Type } from '@sinclair/typebox';
import { requestKeyFor, type AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import { ApiError } from '../errors';
import { generateKey, keyDigestHex } from '../keys';
import {
  accountId,
  AccountParams,
  AccountViewSchema,
  CommandResultSchema,
  Currency,
  IdempotencyHeaders,
  problems,
} from '../schemas';

export const CancellationResponse = Type.Object({
  accountId,
  effectiveAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the cancellation takes effect: by the end of the next business day',
  }),
  account: AccountViewSchema,
});

export const OwnerKeyResponse = Type.Object({
  accountId,
  ownerKey: Type.Union([Type.String(), Type.Null()], {
    description:
      'The new owner key, shown once. Null when this is a replay of an earlier request ' +
      '(same Idempotency-Key): the key is never stored, so rotate again if it was lost.',
  }),
});

export const PrepaidCreditBody = Type.Object(
  {
    amount: Type.Integer({
      minimum: 1,
      maximum: 100_000_000,
      description: 'The credit, in minor units of the account’s currency (PAY-11)',
    }),
    currency: Currency,
    refundRatioBasisPoints: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        description:
          'PAY-12: the share of the unused remainder refunded on cancellation, in basis points ' +
          '(5000 = half, the default)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PrepaidCreditResponse = Type.Object({
  accountId,
  creditId: Type.String({ description: 'The invoice that bought the credit' }),
  charged: CommandResultSchema.properties.charged,
  account: AccountViewSchema,
});

export function supportRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/support/accounts/:accountId/cancellation',
      {
        config: { routeId: 'support.requestCancellation', idempotency: 'replay' },
        schema: {
          tags: ['support'],
          summary:
            'File the cancellation the owner asked for; effective by the end of the next ' +
            'business day, confirmed to the owner by email (CAN-1)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 202: CancellationResponse, ...problems(404, 409) },
        },
      },
      async (request, reply) => {
        const { accountId: id } = request.params;
        const result = await deps.gateway.requestCancellation(
          id,
          requestKeyFor(request, 'support.requestCancellation'),
        );
        const effectiveAt = result.account.pendingCancellationAt ?? result.account.cancelledAt;
        return reply.code(202).send({ accountId: id, effectiveAt, account: result.account });
      },
    );

    app.post(
      '/v1/support/accounts/:accountId/owner-key',
      {
        config: { routeId: 'support.rotateOwnerKey', idempotency: 'replay' },
        schema: {
          tags: ['support'],
          summary: "Replace the owner's API key (every earlier owner key stops working)",
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 201: OwnerKeyResponse, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { accountId: id } = request.params;
        const ownerKey = generateKey();
        if (!(await deps.store.rotateOwnerKey(id, keyDigestHex(ownerKey)))) {
          throw new ApiError('ACCOUNT_NOT_FOUND');
        }
        request.log.info('owner key replaced');
        if (request.idempotency) {
          request.idempotency.storedBody = JSON.stringify({ accountId: id, ownerKey: null });
        }
        return reply.code(201).send({ accountId: id, ownerKey });
      },
    );

    app.post(
      '/v1/support/accounts/:accountId/prepaid-credit',
      {
        config: { routeId: 'support.addPrepaidCredit', idempotency: 'replay' },
        schema: {
          tags: ['support'],
          summary:
            'Add a prepaid credit agreed with the customer: its invoice is charged to the ' +
            'account’s payment method now, and renewals are paid by it from the next period ' +
            'start until it runs out (PAY-11)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: PrepaidCreditBody,
          response: { 201: PrepaidCreditResponse, ...problems(400, 402, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { accountId: id } = request.params;
        const result = await deps.gateway.addPrepaidCredit(
          id,
          request.body,
          requestKeyFor(request, 'support.addPrepaidCredit'),
        );
        const creditId = result.account.prepaidCredit?.creditId;
        if (!creditId) throw new Error('An accepted credit is always in the account view');
        request.log.info({ creditId, amount: request.body.amount }, 'prepaid credit added');
        return reply.code(201).send({
          accountId: id,
          creditId,
          charged: [...result.charged],
          account: result.account,
        });
      },
    );

    app.get(
      '/v1/support/accounts/:accountId',
      {
        config: { routeId: 'support.get' },
        schema: {
          tags: ['support'],
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
