/**
 * Signup, called by the web signup flow (role `signup`).
 *
 * `POST /v1/signups` is idempotent by `signupId`: the account id is derived from it, the
 * account row is inserted once, and the workflow is started with the "use existing" policy.
 *  - 201: a new account, with its owner key (shown this once; only its digest is stored).
 *  - 200: the same signup again. A new owner key is returned only if no key of the account
 *    was ever used; the previous one is revoked at the same moment, so there is never more
 *    than one usable owner key. Once the owner has used a key, a repeat returns none; a lost
 *    key is replaced by support (`POST /v1/support/accounts/:accountId/owner-key`).
 *  - 409 IDEMPOTENCY_CONFLICT: the same signupId with different details.
 * Personal data (name, email, language) goes to `account_contacts` only, never to the workflow.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { resolvePlan } from '../../workflows/policy/catalog';
import type { AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import { ApiError, type FieldRule } from '../errors';
import { generateKey, keyDigestHex } from '../keys';
import { accountId, Currency, Cycle, IdempotencyHeaders, problems } from '../schemas';

export const SignupBody = Type.Object(
  {
    signupId: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$',
      description: 'Chosen by the signup flow (a UUID is ideal); the same id is the same signup',
    }),
    fullName: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      format: 'single-line-text',
      description: 'Legal full name (ACCT-1): one line of text, no control characters',
    }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    ageConfirmed: Type.Literal(true, {
      description: 'The person confirms being 18 or older (ACCT-1)',
    }),
    planId: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      description: 'A plan of the catalog',
      examples: ['free', 'team', 'business', 'all-inclusive'],
    }),
    seats: Type.Integer({ minimum: 1, maximum: 100_000, examples: [1, 3, 10] }),
    cycle: Cycle,
    currency: Currency,
    language: Type.Optional(
      Type.Union([Type.Literal('en'), Type.Literal('lt'), Type.Literal('ro')]),
    ),
    marketingConsent: Type.Optional(
      Type.Boolean({
        description:
          'The person ticked "send me product news" (GDPR-3): recorded as consent with source ' +
          '`signup_form`. Absent or false: no marketing email. Never required.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SignupResponse = Type.Object({
  accountId,
  status: Type.String({
    description:
      'The read-model status: `pending` until the workflow has published the account, then ' +
      'its status (trialing, active, suspended, cancelled)',
  }),
  ownerKey: Type.Optional(
    Type.String({
      description:
        'The owner API key for this account, shown only here. Absent on a repeated signup ' +
        'once a key of the account has been used.',
    }),
  ),
});

/** ACCT-1 refusals, in the order they are reported. */
export const signupFieldRules: readonly FieldRule[] = [
  {
    field: 'ageConfirmed',
    code: 'AGE_NOT_CONFIRMED',
    detail: 'Only people aged 18 or older may sign up; ageConfirmed must be true (ACCT-1).',
  },
  {
    field: 'fullName',
    code: 'FULL_NAME_REQUIRED',
    detail: 'The legal full name of the person signing up is required (ACCT-1).',
  },
  {
    field: 'email',
    code: 'INVALID_EMAIL',
    detail: 'A syntactically valid email address is required (ACCT-1).',
  },
];

/** The account id of a signup: deterministic, so a repeated signup finds the same account. */
export function accountIdForSignup(signupId: string): string {
  return `acc_${createHash('sha256').update(signupId, 'utf8').digest('hex').slice(0, 24)}`;
}

export function signupRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/signups',
      {
        config: {
          routeId: 'signup.create',
          fieldRules: signupFieldRules,
          idempotency: 'check',
          // ACCT-1: scripted mass signups fail. Per client address, not per key: the signup
          // flow's one key carries every visitor (set API_TRUST_PROXY behind it).
          rateLimit: {
            max: deps.config.rateLimit.signupsPerClientPerHour,
            timeWindow: 3_600_000,
            keyGenerator: (request) => `signup:${request.ip}`,
          },
        },
        schema: {
          tags: ['signup'],
          summary: 'Open an account (starts its trial, PAY-1a)',
          security: [{ apiKey: [] }],
          headers: IdempotencyHeaders,
          body: SignupBody,
          response: { 200: SignupResponse, 201: SignupResponse, ...problems(409, 422) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const plan = resolvePlan(await deps.catalog(), body.planId, body.currency);
        if (!plan.ok) throw new ApiError(plan.code, plan.message);
        if (body.seats < plan.plan.minSeats || body.seats > plan.plan.maxSeats) {
          throw new ApiError(
            'SEATS_OUT_OF_RANGE',
            `Plan "${body.planId}" allows ${plan.plan.minSeats} to ${plan.plan.maxSeats} seats.`,
          );
        }
        const id = accountIdForSignup(body.signupId);
        const ownerKey = generateKey();
        const outcome = await deps.store.recordSignup(
          {
            signupId: body.signupId,
            accountId: id,
            planId: body.planId,
            seats: body.seats,
            cycle: body.cycle,
            currency: body.currency,
            fullName: body.fullName.trim(),
            email: body.email,
            language: body.language ?? 'en',
            marketingConsent: body.marketingConsent === true,
          },
          keyDigestHex(ownerKey),
        );
        if (outcome.kind === 'conflict') throw new ApiError('IDEMPOTENCY_CONFLICT');
        // After the transaction: a failed start is healed by the caller's retry.
        await deps.gateway.openAccount({
          accountId: id,
          plan: plan.plan,
          seats: body.seats,
          cycle: body.cycle,
        });
        const status = outcome.status;
        if (outcome.kind === 'created') {
          request.log.info({ accountId: id }, 'account opened');
          return reply.code(201).send({ accountId: id, status, ownerKey });
        }
        request.log.info({ accountId: id, keyReplaced: outcome.keyReplaced }, 'signup repeated');
        return reply
          .code(200)
          .send({ accountId: id, status, ...(outcome.keyReplaced ? { ownerKey } : {}) });
      },
    );
    done();
  };
}
