/**
 * The data subject's rights (GDPR-2) and marketing consent (GDPR-3), for the owner acting on
 * their own account or support acting on the person's behalf:
 *  - export: everything held on the person, as JSON (access, portability);
 *  - rectify: the owner's name, email or language (billing details have their own route);
 *  - erase: the account is stopped (CAN-2) and its personal data erased now, through its
 *    workflow, which then ends; issued invoices stay (GDPR-4);
 *  - restrict / unrestrict: while restricted, nothing optional is done with the data (no
 *    marketing email, whatever the consent); what the contract needs goes on;
 *  - object: marketing stops, recorded as a consent withdrawal with source `objection`.
 * Each request is recorded in `gdpr_requests` with its time, who asked, and its outcome; a
 * refused one is recorded as refused and answered with a problem document.
 */
import { Type, type Static } from '@sinclair/typebox';
import type pg from 'pg';
import { requestKeyFor, type AppContext } from '../app';
import { ApiError, classify, type ErrorCode, type FieldRule } from '../errors';
import type { GdprOutcome, GdprRequester, GdprStore } from '../gdpr-store';
import type { Principal } from '../keys';
import { AccountParams, AccountViewSchema, IdempotencyHeaders, problems } from '../schemas';
import type { RoutesPlugin } from '../typebox';

const Instant = Type.String({ format: 'date-time' });
const AnyRow = Type.Record(Type.String(), Type.Unknown());
const Language = Type.Union([Type.Literal('en'), Type.Literal('lt'), Type.Literal('ro')]);

export const RectifyBody = Type.Object(
  {
    fullName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '\\S',
        format: 'single-line-text',
        description: 'Legal full name (ACCT-1): one line of text, no control characters',
      }),
    ),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    language: Type.Optional(Language),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ConsentBody = Type.Object(
  {
    marketing: Type.Boolean({
      description: 'true grants marketing consent, false withdraws it (at once, GDPR-3)',
    }),
  },
  { additionalProperties: false },
);

const ConsentSchema = Type.Object({
  granted: Type.Boolean(),
  source: Type.String({ description: 'signup_form, owner_api or objection' }),
  updatedAt: Instant,
});

const RequestFields = {
  requestId: Type.String({ description: 'The id of the recorded request (gdpr_requests)' }),
  outcome: Type.Literal('completed'),
};

const RectifyResponse = Type.Object({
  ...RequestFields,
  rectified: Type.Array(Type.String(), { description: 'The fields changed (names only)' }),
});

const EraseResponse = Type.Object({
  ...RequestFields,
  alreadyErased: Type.Boolean({
    description: 'True when the account had been erased before; nothing more was erased now',
  }),
  account: Type.Union([AccountViewSchema, Type.Null()]),
});

const RestrictionResponse = Type.Object({
  ...RequestFields,
  restricted: Type.Boolean(),
  restrictedAt: Type.Union([Instant, Type.Null()]),
});

const ObjectionResponse = Type.Object({ ...RequestFields, marketingConsent: ConsentSchema });

const ConsentResponse = Type.Object({
  accountId: Type.String(),
  marketingConsent: ConsentSchema,
});

export const GdprExportSchema = Type.Object(
  {
    exportedAt: Instant,
    accountId: Type.String(),
    account: AnyRow,
    contact: Type.Union([AnyRow, Type.Null()]),
    billingDetails: Type.Union([AnyRow, Type.Null()]),
    slug: Type.Union([Type.String(), Type.Null()]),
    processorCustomer: Type.Union([AnyRow, Type.Null()]),
    apiKeys: Type.Array(AnyRow),
    marketingConsent: Type.Object({
      current: Type.Union([AnyRow, Type.Null()]),
      history: Type.Array(AnyRow),
    }),
    processingRestriction: Type.Union([AnyRow, Type.Null()]),
    invoices: Type.Array(AnyRow, { description: 'Issued invoices as stored, snapshots included' }),
    payments: Type.Array(AnyRow),
    creditNotes: Type.Array(AnyRow),
    refunds: Type.Array(AnyRow),
    emails: Type.Array(AnyRow, { description: 'Email outbox metadata: templates and times' }),
    couponRedemptions: Type.Array(AnyRow),
    gdprRequests: Type.Array(AnyRow),
    auditEvents: Type.Array(AnyRow),
  },
  { description: 'Everything held on the person behind the account (GDPR-2 access, portability)' },
);

export const rectifyFieldRules: readonly FieldRule[] = [
  {
    field: 'fullName',
    code: 'FULL_NAME_REQUIRED',
    detail: 'A rectified name must be the legal full name, on one line (ACCT-1, GDPR-2).',
  },
  {
    field: 'email',
    code: 'INVALID_EMAIL',
    detail: 'A rectified email must be a syntactically valid address (ACCT-1, GDPR-2).',
  },
];

function gdprStore(deps: AppContext): GdprStore {
  if (!deps.gdpr) {
    throw new ApiError('TEMPORARILY_UNAVAILABLE', 'Data-subject requests are not configured.');
  }
  return deps.gdpr;
}

function requester(principal: Principal | null): GdprRequester {
  return principal?.role === 'owner' ? 'owner' : 'support';
}

const erased = { ok: false, code: 'PERSONAL_DATA_ERASED' } as const;

async function isDeleted(client: pg.PoolClient, accountId: string): Promise<boolean> {
  const found = await client.query<{ status: string }>(
    'SELECT status FROM accounts WHERE account_id = $1',
    [accountId],
  );
  return found.rows[0]?.status === 'deleted';
}

/** The value of a handled request, or the problem it was refused with. */
function settled<T>(
  result: { readonly requestId: string; readonly outcome: GdprOutcome<T> } | null,
): { readonly requestId: string; readonly value: T } {
  if (result === null) throw new ApiError('ACCOUNT_NOT_FOUND');
  if (!result.outcome.ok) throw new ApiError(result.outcome.code as ErrorCode);
  return { requestId: result.requestId, value: result.outcome.value };
}

export function gdprRoutes(deps: AppContext): RoutesPlugin {
  return (app, _options, done) => {
    app.get(
      '/v1/accounts/:accountId/gdpr/export',
      {
        config: { routeId: 'gdpr.export' },
        schema: {
          tags: ['gdpr'],
          summary:
            'Everything held on the person behind the account, as JSON: contact, billing ' +
            'details, consent history, invoices, payments, email metadata, coupon redemption, ' +
            'requests (GDPR-2 access and portability)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 200: GdprExportSchema, ...problems(404) },
        },
      },
      async (request, reply) => {
        const store = gdprStore(deps);
        const { accountId } = request.params;
        const { value } = settled(
          await store.handle(accountId, 'access', requester(request.principal), async (client) => {
            const data = await store.exportAccount(client, accountId);
            return { ok: true, value: data, detail: { invoices: data.invoices.length } };
          }),
        );
        request.log.info('personal data exported');
        return reply
          .header('content-disposition', `attachment; filename="${accountId}-export.json"`)
          .send(value);
      },
    );

    app.post(
      '/v1/accounts/:accountId/gdpr/rectify',
      {
        config: { routeId: 'gdpr.rectify', idempotency: 'replay', fieldRules: rectifyFieldRules },
        schema: {
          tags: ['gdpr'],
          summary:
            "Correct the owner's name, email or language (GDPR-2 rectification; validated as " +
            'at signup, ACCT-1). Billing details are changed on their own route',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: RectifyBody,
          response: { 200: RectifyResponse, ...problems(404, 409) },
        },
      },
      async (request) => {
        const { accountId } = request.params;
        const changes = rectification(request.body);
        const fields = Object.keys(changes);
        const { requestId } = settled(
          await gdprStore(deps).handle<null>(
            accountId,
            'rectification',
            requester(request.principal),
            async (client) => {
              const contact = await client.query(
                'SELECT 1 FROM account_contacts WHERE account_id = $1 FOR UPDATE',
                [accountId],
              );
              if (contact.rowCount !== 1) return erased;
              const sets = fields.map((field, index) => `${columns[field]} = $${index + 2}`);
              const values = fields.map((field) => changes[field]);
              await client.query(
                `UPDATE account_contacts SET ${sets.join(', ')} WHERE account_id = $1`,
                [accountId, ...values],
              );
              // The same person's details on the coupon redemption that opened the account.
              await client.query(
                `UPDATE coupon_redemption_requests SET ${sets.join(', ')} WHERE account_id = $1`,
                [accountId, ...values],
              );
              return { ok: true, value: null, detail: { fields } };
            },
          ),
        );
        request.log.info({ fields }, 'personal data rectified');
        return { requestId, outcome: 'completed' as const, rectified: fields };
      },
    );

    app.post(
      '/v1/accounts/:accountId/gdpr/erase',
      {
        config: { routeId: 'gdpr.erase', idempotency: 'replay' },
        schema: {
          tags: ['gdpr'],
          summary:
            'Erase the personal data now (GDPR-2 erasure). The account cannot go on without it: ' +
            'it is stopped at once, nothing more is charged (CAN-2), and erased now rather than ' +
            '30 days later (CAN-3); issued invoices stay (GDPR-4)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 200: EraseResponse, ...problems(404, 409) },
        },
      },
      async (request) => {
        const store = gdprStore(deps);
        const { accountId } = request.params;
        const status = await store.accountStatus(accountId);
        const requestId =
          status === null
            ? null
            : await store.openRequest(accountId, 'erasure', requester(request.principal));
        if (requestId === null) throw new ApiError('ACCOUNT_NOT_FOUND');
        if (status === 'deleted') {
          await store.closeRequest(requestId, {
            ok: true,
            value: null,
            detail: { alreadyErased: true },
          });
          return { requestId, outcome: 'completed' as const, alreadyErased: true, account: null };
        }
        try {
          // The workflow decides: it stops the account, erases, and ends.
          const result = await deps.gateway.eraseOnRequest(
            accountId,
            requestKeyFor(request, 'gdpr.erase'),
          );
          await store.closeRequest(requestId, {
            ok: true,
            value: null,
            detail: { alreadyErased: false },
          });
          request.log.info('account erased on request');
          return {
            requestId,
            outcome: 'completed' as const,
            alreadyErased: false,
            account: result.account,
          };
        } catch (error) {
          const { problem } = classify(error);
          await store.closeRequest(requestId, { ok: false, code: problem.code });
          throw error;
        }
      },
    );

    app.post(
      '/v1/accounts/:accountId/gdpr/restrict',
      {
        config: { routeId: 'gdpr.restrict', idempotency: 'replay' },
        schema: {
          tags: ['gdpr'],
          summary:
            'Restrict processing (GDPR-2): no marketing email, whatever the consent, until ' +
            'lifted; billing under the contract goes on',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 200: RestrictionResponse, ...problems(404, 409) },
        },
      },
      async (request) => {
        const { accountId } = request.params;
        const { requestId, value } = settled(
          await gdprStore(deps).handle<string>(
            accountId,
            'restriction',
            requester(request.principal),
            async (client, id) => {
              if (await isDeleted(client, accountId)) return erased;
              await client.query(
                `INSERT INTO processing_restrictions (account_id, restricted_at, gdpr_request_id)
                 VALUES ($1, now(), $2) ON CONFLICT (account_id) DO NOTHING`,
                [accountId, id],
              );
              const found = await client.query<{ restricted_at: Date; gdpr_request_id: string }>(
                'SELECT restricted_at, gdpr_request_id FROM processing_restrictions WHERE account_id = $1',
                [accountId],
              );
              const row = found.rows[0];
              return {
                ok: true,
                value: row.restricted_at.toISOString(),
                detail: { alreadyRestricted: row.gdpr_request_id !== id },
              };
            },
          ),
        );
        return { requestId, outcome: 'completed' as const, restricted: true, restrictedAt: value };
      },
    );

    app.post(
      '/v1/accounts/:accountId/gdpr/unrestrict',
      {
        config: { routeId: 'gdpr.unrestrict', idempotency: 'replay' },
        schema: {
          tags: ['gdpr'],
          summary: 'Lift a restriction of processing (GDPR-2)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 200: RestrictionResponse, ...problems(404, 409) },
        },
      },
      async (request) => {
        const { accountId } = request.params;
        const { requestId } = settled(
          await gdprStore(deps).handle<null>(
            accountId,
            'unrestriction',
            requester(request.principal),
            async (client) => {
              if (await isDeleted(client, accountId)) return erased;
              const lifted = await client.query(
                'DELETE FROM processing_restrictions WHERE account_id = $1',
                [accountId],
              );
              return { ok: true, value: null, detail: { wasRestricted: lifted.rowCount === 1 } };
            },
          ),
        );
        return { requestId, outcome: 'completed' as const, restricted: false, restrictedAt: null };
      },
    );

    app.post(
      '/v1/accounts/:accountId/gdpr/object',
      {
        config: { routeId: 'gdpr.object', idempotency: 'replay' },
        schema: {
          tags: ['gdpr'],
          summary:
            'Object to marketing (GDPR-2): marketing email stops at once, recorded as a consent ' +
            'withdrawal with source `objection` (GDPR-3); transactional email goes on',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          response: { 200: ObjectionResponse, ...problems(404) },
        },
      },
      async (request) => {
        const store = gdprStore(deps);
        const { accountId } = request.params;
        const { requestId, value } = settled(
          await store.handle(
            accountId,
            'objection',
            requester(request.principal),
            async (client, id) => ({
              ok: true,
              value: await store.recordConsent(client, accountId, false, 'objection', id),
            }),
          ),
        );
        return { requestId, outcome: 'completed' as const, marketingConsent: value };
      },
    );

    app.post(
      '/v1/accounts/:accountId/marketing-consent',
      {
        config: { routeId: 'owner.marketingConsent', idempotency: 'replay' },
        schema: {
          tags: ['owner'],
          summary:
            'Grant or withdraw marketing consent (GDPR-3), recorded with its time and source ' +
            '`owner_api`; a withdrawal stops marketing email at once',
          security: [{ apiKey: [] }],
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: ConsentBody,
          response: { 200: ConsentResponse, ...problems(404, 409) },
        },
      },
      async (request) => {
        const store = gdprStore(deps);
        const { accountId } = request.params;
        const status = await store.accountStatus(accountId);
        if (status === null) throw new ApiError('ACCOUNT_NOT_FOUND');
        if (status === 'deleted' && request.body.marketing) {
          throw new ApiError('PERSONAL_DATA_ERASED');
        }
        const marketingConsent = await store.transaction((client) =>
          store.recordConsent(client, accountId, request.body.marketing, 'owner_api'),
        );
        return { accountId, marketingConsent };
      },
    );
    done();
  };
}

const columns: Record<string, string> = {
  fullName: 'full_name',
  email: 'email',
  language: 'language',
};

function rectification(body: Static<typeof RectifyBody>): Record<string, string> {
  return {
    ...(body.fullName === undefined ? {} : { fullName: body.fullName.trim() }),
    ...(body.email === undefined ? {} : { email: body.email }),
    ...(body.language === undefined ? {} : { language: body.language }),
  };
}
