/**
 * Lifetime-deal coupons over HTTP (LTD-1 … LTD-11).
 *  - ops: create a campaign, import its codes (hashed, in batches, with a progress line per
 *    batch), report accounts found to share a code (LTD-2).
 *  - signup flow: redeem a code (LTD-1). The person's details go to Postgres first; the code's
 *    workflow (`coupon:<hash>`) then decides and opens the account. The code itself is never
 *    stored, logged or sent to Temporal: only its hash.
 *  - owner: change the seats in use (LTD-5, LTD-6) and give billing details (LTD-7).
 */
import { Type } from '@sinclair/typebox';
import { resolvePlan } from '../../workflows/policy/catalog';
import { DEFAULT_EXTRA_SEAT_PRICE, DEFAULT_INCLUDED_SEATS } from '../../workflows/policy/coupon';
import { requestKeyFor, type AppContext } from '../app';
import { hashCode } from '../coupon-codes';
import type { CouponGateway } from '../coupon-gateway';
import type { CouponStore } from '../coupon-store';
import type { BillingDetailsInput } from '../billing-details-store';
import { ApiError, type FieldRule } from '../errors';
import { checkBillingDetails } from './billing';
import { generateKey, keyDigestHex } from '../keys';
import {
  accountId,
  AccountParams,
  commandResult,
  CommandResultSchema,
  Currency,
  IdempotencyHeaders,
  problems,
} from '../schemas';
import type { RoutesPlugin } from '../typebox';

export interface CouponDeps {
  readonly gateway: CouponGateway;
  readonly store: CouponStore;
}

/** Codes per import request; a larger deal is imported in several requests. */
export const MAX_CODES_PER_IMPORT = 50_000;

const campaignIdSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const codeSchema = Type.String({
  minLength: 4,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$',
  description: 'A deal code as printed (spaces and dashes are ignored)',
});
const singleLine = (description: string, maxLength = 200) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', format: 'single-line-text', description });

export const CampaignBody = Type.Object(
  {
    campaignId: campaignIdSchema,
    planId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', examples: ['all-inclusive'] }),
    currency: Currency,
    includedSeats: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_INCLUDED_SEATS }),
    ),
    oneTimePrice: Type.Integer({ minimum: 0, description: 'Minor units, paid to the reseller' }),
    extraSeatPrice: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: DEFAULT_EXTRA_SEAT_PRICE.amount,
        description: 'Monthly price of one extra seat in minor units (LTD-5: 39 USD)',
      }),
    ),
    redeemBy: Type.String({
      format: 'date-time',
      description: 'The last second in which a code is accepted (LTD-3), e.g. 2019-11-30T23:59:59Z',
    }),
  },
  { additionalProperties: false },
);

const CampaignResponse = Type.Object({
  campaignId: Type.String(),
  planId: Type.String(),
  currency: Type.String(),
  includedSeats: Type.Integer(),
  oneTimePrice: Type.Integer(),
  extraSeatPrice: Type.Integer(),
  redeemBy: Type.String(),
});

export const ImportBody = Type.Object(
  { codes: Type.Array(codeSchema, { minItems: 1, maxItems: MAX_CODES_PER_IMPORT }) },
  { additionalProperties: false },
);

const ImportResponse = Type.Object({
  campaignId: Type.String(),
  received: Type.Integer(),
  imported: Type.Integer(),
  duplicates: Type.Integer(),
  elapsedMs: Type.Integer(),
});

export const RedeemBody = Type.Object(
  {
    requestId: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$',
      description: 'Chosen by the signup flow (a UUID); the same id is the same redemption',
    }),
    code: codeSchema,
    fullName: singleLine('Legal full name (LTD-1, ACCT-1)'),
    email: Type.String({ format: 'email', maxLength: 254 }),
    companyName: singleLine('Company name; it forms the account URL (LTD-1)'),
    ageConfirmed: Type.Literal(true, { description: 'The person is 18 or older (ACCT-1)' }),
    language: Type.Optional(
      Type.Union([Type.Literal('en'), Type.Literal('lt'), Type.Literal('ro')]),
    ),
  },
  { additionalProperties: false },
);

const RedeemResponse = Type.Object({
  accountId,
  slug: Type.String({ description: 'The unique account URL slug (LTD-1)' }),
  ownerKey: Type.Optional(Type.String({ description: 'The owner API key, shown only here' })),
});

export const SharedCodeBody = Type.Object(
  {
    code: codeSchema,
    accountIds: Type.Array(accountId, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

const SharedCodeResponse = Type.Object({ suspended: Type.Array(Type.String()) });

export const SeatsBody = Type.Object(
  { seats: Type.Integer({ minimum: 1, maximum: 100_000 }) },
  { additionalProperties: false },
);

const optionalField = (description: string) => Type.Optional(singleLine(description));
export const BillingDetailsBody = Type.Object(
  {
    fullName: singleLine('Legal name on the invoice'),
    email: Type.String({ format: 'email', maxLength: 254 }),
    company: singleLine('Company name'),
    street: singleLine('Street and number'),
    city: singleLine('City'),
    postcode: singleLine('Postcode', 20),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    state: optionalField('State or province (required in US, CA)'),
    companyCode: optionalField('Company registration code (required in LT, RO)'),
    tradeRegisterNumber: optionalField('Trade register number (required in RO)'),
    taxCode: optionalField('Tax code (required in IT, ES)'),
    vatId: Type.Optional(
      Type.String({
        maxLength: 32,
        pattern: '^[A-Za-z0-9 .+*-]*$',
        description:
          'EU VAT id with its country prefix (e.g. DE123456789), format-checked for the billing ' +
          'country; an EU business in another member state is then reverse-charged (PAY-10)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const redeemFieldRules: readonly FieldRule[] = [
  {
    field: 'ageConfirmed',
    code: 'AGE_NOT_CONFIRMED',
    detail: 'Only people aged 18 or older may redeem a code; ageConfirmed must be true (ACCT-1).',
  },
  {
    field: 'fullName',
    code: 'FULL_NAME_REQUIRED',
    detail: 'The legal full name of the person redeeming the code is required (LTD-1, ACCT-1).',
  },
  {
    field: 'email',
    code: 'INVALID_EMAIL',
    detail: 'A syntactically valid email address is required (LTD-1, ACCT-1).',
  },
];

function couponDeps(deps: AppContext): CouponDeps {
  if (!deps.coupons) {
    throw new ApiError('TEMPORARILY_UNAVAILABLE', 'Coupons are not configured on this server.');
  }
  return deps.coupons;
}

export function couponRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.post(
      '/v1/ops/coupon-campaigns',
      {
        config: { routeId: 'ops.createCampaign' },
        schema: {
          tags: ['ops'],
          summary: 'Create a lifetime-deal campaign (LTD-3, LTD-4, LTD-5)',
          security: [{ apiKey: [] }],
          body: CampaignBody,
          response: { 200: CampaignResponse, 201: CampaignResponse, ...problems(409, 422) },
        },
      },
      async (request, reply) => {
        const { store } = couponDeps(deps);
        const body = request.body;
        const plan = resolvePlan(await deps.catalog(), body.planId, body.currency);
        if (!plan.ok) throw new ApiError(plan.code, plan.message);
        const campaign = {
          campaignId: body.campaignId,
          planId: body.planId,
          currency: body.currency,
          includedSeats: body.includedSeats ?? DEFAULT_INCLUDED_SEATS,
          oneTimePrice: body.oneTimePrice,
          extraSeatPrice: body.extraSeatPrice ?? DEFAULT_EXTRA_SEAT_PRICE.amount,
          redeemBy: new Date(body.redeemBy).toISOString(),
        };
        const outcome = await store.createCampaign(campaign);
        if (outcome === 'conflict') throw new ApiError('CAMPAIGN_EXISTS');
        return reply.code(outcome === 'created' ? 201 : 200).send(campaign);
      },
    );

    app.post(
      '/v1/ops/coupon-campaigns/:campaignId/codes',
      {
        // Thousands of codes in one body.
        bodyLimit: 4 * 1024 * 1024,
        config: { routeId: 'ops.importCodes' },
        schema: {
          tags: ['ops'],
          summary: 'Import codes of a campaign; only their hashes are stored',
          security: [{ apiKey: [] }],
          params: Type.Object({ campaignId: campaignIdSchema }, { additionalProperties: false }),
          body: ImportBody,
          response: { 200: ImportResponse, ...problems(404) },
        },
      },
      async (request) => {
        const { store } = couponDeps(deps);
        const { campaignId } = request.params;
        const started = performance.now();
        const hashes = request.body.codes.map(hashCode);
        const outcome = await store.importCodes(campaignId, hashes, (doneCount, total) =>
          request.log.info(
            { campaignId, done: doneCount, total },
            `imported ${doneCount}/${total} codes`,
          ),
        );
        if (!outcome) throw new ApiError('CAMPAIGN_NOT_FOUND');
        return { campaignId, ...outcome, elapsedMs: Math.round(performance.now() - started) };
      },
    );

    app.post(
      '/v1/ops/coupon-codes/shared',
      {
        config: { routeId: 'ops.reportSharedCode', idempotency: 'replay' },
        schema: {
          tags: ['ops'],
          summary:
            'Report accounts found to share one code: all but the first are suspended (LTD-2)',
          security: [{ apiKey: [] }],
          headers: IdempotencyHeaders,
          body: SharedCodeBody,
          response: { 200: SharedCodeResponse, ...problems(404) },
        },
      },
      async (request) => {
        const { gateway, store } = couponDeps(deps);
        const codeHash = hashCode(request.body.code);
        if ((await store.campaignOfCode(codeHash)) === null) {
          throw new ApiError('COUPON_CODE_UNKNOWN');
        }
        const result = await gateway.reportSharedCode(
          codeHash,
          request.body.accountIds,
          requestKeyFor(request, 'ops.reportSharedCode'),
        );
        return { suspended: [...result.suspended] };
      },
    );

    app.post(
      '/v1/coupon-redemptions',
      {
        config: {
          routeId: 'coupon.redeem',
          fieldRules: redeemFieldRules,
          rateLimit: {
            max: deps.config.rateLimit.signupsPerClientPerHour,
            timeWindow: 3_600_000,
            keyGenerator: (request) => `signup:${request.ip}`,
          },
        },
        schema: {
          tags: ['signup'],
          summary: 'Redeem a lifetime-deal code: opens an active account (LTD-1, LTD-2, LTD-4)',
          security: [{ apiKey: [] }],
          body: RedeemBody,
          response: { 201: RedeemResponse, ...problems(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { gateway, store } = couponDeps(deps);
        const body = request.body;
        const codeHash = hashCode(body.code);
        if ((await store.campaignOfCode(codeHash)) === null) {
          throw new ApiError('COUPON_CODE_UNKNOWN', 'This is not a code of any deal.');
        }
        const ownerKey = generateKey();
        const recorded = await store.recordRedemptionRequest({
          requestId: body.requestId,
          codeHash,
          fullName: body.fullName.trim(),
          email: body.email,
          company: body.companyName.trim(),
          language: body.language ?? 'en',
          ownerKeyDigest: keyDigestHex(ownerKey),
        });
        if (recorded === 'conflict') throw new ApiError('IDEMPOTENCY_CONFLICT');
        const result = await gateway.redeem(codeHash, body.requestId);
        request.log.info({ accountId: result.accountId }, 'code redeemed');
        return reply.code(201).send({
          accountId: result.accountId,
          slug: result.slug,
          // A repeated request cannot show the key again: support replaces a lost one.
          ...(recorded === 'created' ? { ownerKey } : {}),
        });
      },
    );

    app.post(
      '/v1/accounts/:accountId/seats',
      {
        config: { routeId: 'owner.changeSeats', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Set the seats in use on a lifetime-deal account; extra seats are billed by seat-time (LTD-5, LTD-6)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: SeatsBody,
          response: { 200: CommandResultSchema, ...problems(404, 409, 422) },
        },
      },
      async (request) =>
        commandResult(
          await couponDeps(deps).gateway.changeSeats(
            request.params.accountId,
            request.body.seats,
            requestKeyFor(request, 'owner.changeSeats'),
          ),
        ),
    );

    app.post(
      '/v1/accounts/:accountId/billing-details',
      {
        config: { routeId: 'owner.billingDetails', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Give complete billing details; with a card or PayPal they pay what is due (LTD-7, LTD-10)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: BillingDetailsBody,
          response: { 200: CommandResultSchema, ...problems(404, 409, 422) },
        },
      },
      async (request) => {
        const { gateway, store } = couponDeps(deps);
        const details: BillingDetailsInput = request.body;
        checkBillingDetails(details);
        if (!(await store.saveBillingDetails(request.params.accountId, details))) {
          throw new ApiError('ACCOUNT_NOT_FOUND');
        }
        return commandResult(
          await gateway.billingDetailsProvided(
            request.params.accountId,
            requestKeyFor(request, 'owner.billingDetails'),
          ),
        );
      },
    );
    done();
  };
}
