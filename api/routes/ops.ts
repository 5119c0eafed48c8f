/**
 * Operations (role `ops`): the accounts read model, one account with its live state and a link
 * to the workflow in the Temporal Web UI, its invoices, and its history as a readable timeline.
 */
import { Type } from '@sinclair/typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import { accountWorkflowId, priceChangeWorkflowId } from '../../workflows/ids';
import { requestKeyFor, type AppContext } from '../app';
import type { RoutesPlugin } from '../typebox';
import { ApiError } from '../errors';
import {
  accountId,
  AccountParams,
  AccountRowSchema,
  AccountViewSchema,
  Currency,
  IdempotencyHeaders,
  InvoiceSchema,
  problems,
  ReadModelStatus,
  TimelineEntrySchema,
} from '../schemas';
import type { AccountCursor } from '../store';
import { buildTimeline } from '../timeline';

const DEFAULT_LIMIT = 50;
/** Accounts read per page of the read model while announcing a price change. */
/** How long an announcement waits for its fan-out before answering that it goes on. */
const PRICE_CHANGE_WAIT_MS = 10_000;

export const PlanParams = Type.Object(
  { planId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }) },
  { additionalProperties: false },
);

const SeatPrice = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'Minor units' });

export const PriceChangeBody = Type.Object(
  {
    currency: Currency,
    seatPrice: Type.Object(
      { monthly: SeatPrice, annual: SeatPrice },
      { additionalProperties: false, description: 'The new price of one seat for one period' },
    ),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const UsageBody = Type.Object(
  {
    endUsers: Count,
    ticketsPerAgent: Count,
    seatsInUse: Type.Optional(Count),
  },
  { additionalProperties: false },
);

export const ReportedResponse = Type.Object({ accountId, accepted: Type.Boolean() });

export const PriceChangeResponse = Type.Object({
  changeId: Type.String({ description: 'Repeating the announcement with this id is harmless' }),
  planId: Type.String(),
  workflowId: Type.String({ description: 'The fan-out workflow, in the Temporal Web UI' }),
  complete: Type.Boolean({
    description:
      'Whether every account was told before the answer; if not, the fan-out goes on durably ' +
      'and its progress is the workflow named by workflowId',
  }),
  notified: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Accounts on the plan whose workflow was told (null until complete)',
  }),
  skipped: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Accounts on the plan whose workflow had already ended (null until complete)',
  }),
});
const opaqueToken = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]{1,4096}$', description });

export const ListQuery = Type.Object(
  {
    status: Type.Optional(ReadModelStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_LIMIT })),
    cursor: Type.Optional(opaqueToken('nextCursor of the previous page')),
  },
  { additionalProperties: false },
);

export const AccountListResponse = Type.Object({
  accounts: Type.Array(AccountRowSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const WorkflowLink = Type.Object({
  workflowId: Type.String(),
  namespace: Type.String(),
  uiUrl: Type.String({ description: 'The workflow in the Temporal Web UI' }),
});

export const OpsAccountResponse = Type.Object({
  account: AccountRowSchema,
  live: Type.Union([AccountViewSchema, Type.Null()], {
    description: "The workflow's state now; null if it could not be asked (see liveError)",
  }),
  liveError: Type.Union([
    Type.Literal('ACCOUNT_NOT_FOUND'),
    Type.Literal('UNAVAILABLE'),
    Type.Null(),
  ]),
  workflow: WorkflowLink,
});

export const InvoiceListResponse = Type.Object({ accountId, invoices: Type.Array(InvoiceSchema) });

export const TimelineQuery = Type.Object(
  {
    pageToken: Type.Optional(opaqueToken('nextPageToken of the previous page')),
  },
  { additionalProperties: false },
);

export const TimelineResponse = Type.Object({
  accountId,
  workflow: WorkflowLink,
  entries: Type.Array(TimelineEntrySchema),
  nextPageToken: Type.Union([Type.String(), Type.Null()]),
});

export function encodeCursor(cursor: AccountCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.accountId])).toString('base64url');
}

export function decodeCursor(token: string): AccountCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(parsed[0]) &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      typeof parsed[1] === 'string' &&
      /^[A-Za-z0-9_-]{1,200}$/.test(parsed[1])
    ) {
      return { createdAt: parsed[0], accountId: parsed[1] };
    }
  } catch {
    // falls through to the refusal
  }
  throw new ApiError('INVALID_CURSOR');
}

export function opsRoutes(deps: AppContext): RoutesPlugin {
  const { namespace, uiUrl } = deps.config.temporal;
  const link = (id: string) => {
    const workflowId = accountWorkflowId(id);
    return {
      workflowId,
      namespace,
      uiUrl: `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    };
  };

  return (app, _options, done) => {
    app.post(
      '/v1/ops/plans/:planId/price-changes',
      {
        config: { routeId: 'ops.schedulePriceChange', idempotency: 'replay' },
        schema: {
          tags: ['ops'],
          summary:
            'Announce a new price for a plan: every account on it emails its owner a notice and ' +
            'pays the new price from its first renewal at least 30 days later (PAY-5)',
          security: [{ apiKey: [] }],
          params: PlanParams,
          headers: IdempotencyHeaders,
          body: PriceChangeBody,
          response: { 202: PriceChangeResponse, ...problems() },
        },
      },
      async (request, reply) => {
        const { planId } = request.params;
        const changeId = requestKeyFor(request, 'ops.schedulePriceChange');
        const input = {
          changeId,
          planId,
          currency: request.body.currency,
          seatPrice: { ...request.body.seatPrice },
        };
        // The fan-out is a workflow: it survives this process and the caller's patience.
        const outcome = await deps.gateway.announcePriceChange(input, PRICE_CHANGE_WAIT_MS);
        return reply.code(202).send({
          changeId,
          planId,
          workflowId: priceChangeWorkflowId(changeId),
          complete: outcome !== null,
          notified: outcome?.notified ?? null,
          skipped: outcome?.skipped ?? null,
        });
      },
    );

    app.post(
      '/v1/ops/accounts/:accountId/usage',
      {
        config: { routeId: 'ops.reportUsage' },
        schema: {
          tags: ['ops'],
          summary:
            'Usage the product reports for an account: end users and tickets per agent above the ' +
            'thresholds flag it for an enterprise offer (PAY-6); seats in use guard downgrades (PAY-4)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          body: UsageBody,
          response: { 202: ReportedResponse, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { accountId: id } = request.params;
        const { endUsers, ticketsPerAgent, seatsInUse } = request.body;
        await deps.gateway.report(id, { kind: 'usage', endUsers, ticketsPerAgent });
        if (seatsInUse !== undefined) {
          await deps.gateway.report(id, { kind: 'seats_in_use', seatsInUse });
        }
        return reply.code(202).send({ accountId: id, accepted: true });
      },
    );

    app.post(
      '/v1/ops/accounts/:accountId/shared-login',
      {
        config: { routeId: 'ops.reportSharedLogin' },
        schema: {
          tags: ['ops'],
          summary:
            'The product detected a shared login: the next invoice carries a surcharge and the ' +
            'owner is emailed (ACCT-2)',
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 202: ReportedResponse, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { accountId: id } = request.params;
        await deps.gateway.report(id, { kind: 'shared_login' });
        return reply.code(202).send({ accountId: id, accepted: true });
      },
    );

    app.get(
      '/v1/ops/accounts',
      {
        config: { routeId: 'ops.list' },
        schema: {
          tags: ['ops'],
          summary: 'Accounts from the read model, newest first, paged by cursor',
          security: [{ apiKey: [] }],
          querystring: ListQuery,
          response: { 200: AccountListResponse, ...problems() },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? DEFAULT_LIMIT;
        const after = request.query.cursor ? decodeCursor(request.query.cursor) : null;
        const rows = await deps.store.listAccounts({
          status: request.query.status ?? null,
          limit: limit + 1,
          after,
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          accounts: page,
          nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
        };
      },
    );

    app.get(
      '/v1/ops/accounts/:accountId',
      {
        config: { routeId: 'ops.get' },
        schema: {
          tags: ['ops'],
          summary: 'One account: read model, live state and a link to its workflow',
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 200: OpsAccountResponse, ...problems(404) },
        },
      },
      async (request) => {
        const { accountId: id } = request.params;
        const account = await deps.store.account(id);
        if (!account) throw new ApiError('ACCOUNT_NOT_FOUND');
        // Ops still sees the read model when the workflow cannot answer.
        const live = await deps.gateway.state(id).then(
          (view) => ({ view, error: null }),
          (error: unknown) => {
            const notFound = error instanceof WorkflowNotFoundError;
            request.log.warn(
              { err: { type: error instanceof Error ? error.name : typeof error } },
              'live state unavailable',
            );
            return {
              view: null,
              error: notFound ? ('ACCOUNT_NOT_FOUND' as const) : ('UNAVAILABLE' as const),
            };
          },
        );
        return { account, live: live.view, liveError: live.error, workflow: link(id) };
      },
    );

    app.get(
      '/v1/ops/accounts/:accountId/invoices',
      {
        config: { routeId: 'ops.invoices' },
        schema: {
          tags: ['ops'],
          summary: "The account's invoices, oldest first",
          security: [{ apiKey: [] }],
          params: AccountParams,
          response: { 200: InvoiceListResponse, ...problems(404) },
        },
      },
      async (request) => {
        const { accountId: id } = request.params;
        if (!(await deps.store.account(id))) throw new ApiError('ACCOUNT_NOT_FOUND');
        const invoices = await deps.store.invoices(id);
        return {
          accountId: id,
          invoices: invoices.map((invoice) => ({ ...invoice, lines: asLines(invoice.lines) })),
        };
      },
    );

    app.get(
      '/v1/ops/accounts/:accountId/timeline',
      {
        config: { routeId: 'ops.timeline' },
        schema: {
          tags: ['ops'],
          summary:
            "The account workflow's history as a readable timeline (current run), one page " +
            'at a time; no payload contents',
          security: [{ apiKey: [] }],
          params: AccountParams,
          querystring: TimelineQuery,
          response: { 200: TimelineResponse, ...problems(404) },
        },
      },
      async (request) => {
        const { accountId: id } = request.params;
        const token = request.query.pageToken;
        const page = await deps.gateway.history(
          id,
          token ? new Uint8Array(Buffer.from(token, 'base64url')) : null,
        );
        return {
          accountId: id,
          workflow: link(id),
          entries: buildTimeline(page.events),
          nextPageToken: page.nextPageToken
            ? Buffer.from(page.nextPageToken).toString('base64url')
            : null,
        };
      },
    );
    done();
  };
}

function asLines(lines: unknown): Record<string, unknown>[] {
  if (!Array.isArray(lines)) return [];
  return lines.filter(
    (line): line is Record<string, unknown> => typeof line === 'object' && line !== null,
  );
}
