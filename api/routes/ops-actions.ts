/**
 * TERM-1: the vendor suspends, reactivates or terminates an account. Support and ops may
 * suspend and reactivate; only ops may terminate (it cannot be undone). Each request names a
 * reason code; free text is not accepted, so no personal data reaches the workflow.
 */
import { Type } from '@sinclair/typebox';
import { reactivationReasons } from '../../workflows/policy/ops-actions';
import { requestKeyFor, type AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import {
  AccountParams,
  CommandResultSchema,
  commandResult,
  IdempotencyHeaders,
  OpsReason,
  problems,
} from '../schemas';

const literals = <const T extends readonly string[]>(values: T) =>
  Type.Enum(Object.fromEntries(values.map((value) => [value, value])) as { [K in T[number]]: K });

export const OpsActionBody = Type.Object(
  {
    reason: OpsReason,
    urgent: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Act at once, without warning the owner first (abuse, fraud). Otherwise the owner is ' +
          'warned by email and the action takes effect 7 days later.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReactivationBody = Type.Object(
  { reason: literals(reactivationReasons) },
  { additionalProperties: false },
);

export function opsActionRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/support/accounts/:accountId/suspension',
      {
        config: { routeId: 'support.suspend', idempotency: 'replay' },
        schema: {
          tags: ['support'],
          summary:
            'Suspend the account: the owner is warned by email and it is suspended 7 days later, ' +
            'or at once if urgent; nothing is charged while suspended (TERM-1)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: OpsActionBody,
          response: { 202: CommandResultSchema, ...problems(404, 409) },
        },
      },
      async (request, reply) => {
        const result = await deps.gateway.suspendAccount(
          request.params.accountId,
          { reason: request.body.reason, urgent: request.body.urgent ?? false },
          requestKeyFor(request, 'support.suspend'),
        );
        request.log.info({ reason: request.body.reason }, 'suspension requested');
        return reply.code(202).send(commandResult(result));
      },
    );

    app.post(
      '/v1/support/accounts/:accountId/reactivation',
      {
        config: { routeId: 'support.reactivate', idempotency: 'replay' },
        schema: {
          tags: ['support'],
          summary:
            'Lift a suspension made under TERM-1, or withdraw one announced and not yet in ' +
            'effect; a suspension for payment or billing details is not lifted this way',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: ReactivationBody,
          response: { 200: CommandResultSchema, ...problems(402, 404, 409) },
        },
      },
      async (request, reply) => {
        const result = await deps.gateway.reactivateAccount(
          request.params.accountId,
          { reason: request.body.reason },
          requestKeyFor(request, 'support.reactivate'),
        );
        return reply.code(200).send(commandResult(result));
      },
    );

    app.post(
      '/v1/ops/accounts/:accountId/termination',
      {
        config: { routeId: 'ops.terminate', idempotency: 'replay' },
        schema: {
          tags: ['ops'],
          summary:
            'Terminate the account, irreversibly: the owner is warned by email and it is closed ' +
            '7 days later, or at once if urgent; nothing more is charged and its content is ' +
            'erased 30 days after (TERM-1, CAN-2, CAN-3)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: OpsActionBody,
          response: { 202: CommandResultSchema, ...problems(404, 409) },
        },
      },
      async (request, reply) => {
        const result = await deps.gateway.terminateAccount(
          request.params.accountId,
          { reason: request.body.reason, urgent: request.body.urgent ?? false },
          requestKeyFor(request, 'ops.terminate'),
        );
        request.log.info({ reason: request.body.reason }, 'termination requested');
        return reply.code(202).send(commandResult(result));
      },
    );
    done();
  };
}
