/**
 * `buildApp(deps)`: the HTTP API as a Fastify instance, without listening.
 *
 * The API decides nothing about accounts. For every request, in this order:
 *  1. PAY-8: anything that looks like a card number, anywhere, is refused before it is logged
 *     or stored (URL, query and headers on arrival; the body right after parsing).
 *  2. The API key is checked against the authorization matrix (`authorization.ts`).
 *  3. Rate limits apply per key (per client address for signups, ACCT-1).
 *  4. The shape is validated against the route's TypeBox schema.
 *  5. An Idempotency-Key is claimed (or its first answer replayed).
 *  6. The handler passes the request to the account workflow or reads Postgres.
 * Every error becomes an RFC 9457 problem document in one error handler.
 */
import { createHash, randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../infra/config';
import type { Catalog } from '../workflows/policy/catalog';
import { allowed, keyless, routeAccess, routes, type RouteId } from './authorization';
import { containsCardNumber, findCardNumber } from './card-data';
import { docsRoutes } from './docs';
import { ApiError, classify, problem, type FieldRule, type Problem } from './errors';
import type { AccountGateway } from './gateway';
import type { GdprStore } from './gdpr-store';
import { bearerKey, keyDigest, KeyRing, principalFor, type Principal } from './keys';
import type { CouponDeps } from './routes/coupons';
import { billingRoutes } from './routes/billing';
import { couponRoutes } from './routes/coupons';
import { gdprRoutes } from './routes/gdpr';
import { healthRoutes } from './routes/health';
import { opsRoutes } from './routes/ops';
import { opsActionRoutes } from './routes/ops-actions';
import { ownerRoutes } from './routes/owner';
import { productRoutes } from './routes/product';
import { signupRoutes } from './routes/signup';
import { supportRoutes } from './routes/support';
import { webhookRoutes, type WebhookDeps } from './routes/webhooks';
import type { ApiStore } from './store';
import { registerFormats, typeBoxValidatorCompiler, type TypeBoxProvider } from './typebox';

export interface AppDeps {
  readonly config: Pick<Config, 'temporal' | 'auth' | 'rateLimit'>;
  readonly gateway: AccountGateway;
  readonly store: ApiStore;
  /** The plan catalog, read when needed (it changes without a deploy, FREE-1). */
  readonly catalog: () => Promise<Catalog>;
  /** A pino logger; give it `redactedPaths` from infra/clients.ts. */
  readonly logger: Logger;
  /** Lifetime-deal coupons (api/routes/coupons.ts); their routes answer 503 without it. */
  readonly coupons?: CouponDeps;
  /** Data-subject requests and consent (api/routes/gdpr.ts); 503 without it. */
  readonly gdpr?: GdprStore;
  /** Stripe webhooks (api/routes/webhooks.ts); the route answers 503 without them. */
  readonly webhooks?: WebhookDeps;
}

/** How a POST route honours `Idempotency-Key`. */
export type IdempotencyMode =
  /** Replay the first answer (commands): the stored answer holds no secrets. */
  | 'replay'
  /** Only refuse reuse for a different request: the route is idempotent by its own key. */
  | 'check';

export interface IdempotencyContext {
  readonly scope: string;
  readonly key: string;
  readonly mode: IdempotencyMode;
  /** Becomes the Temporal update id, so a retried request never acts twice. */
  readonly requestKey: string;
  replayed: boolean;
  /** What to store instead of the response body (to leave out a secret), if anything. */
  storedBody: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    idempotency: IdempotencyContext | null;
  }
  interface FastifyContextConfig {
    routeId?: RouteId;
    /** Validation failures of these body fields are refusals under a clause (ACCT-1). */
    fieldRules?: readonly FieldRule[];
    idempotency?: IdempotencyMode;
  }
}

const PROBLEM_TYPE = 'application/problem+json';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// Credentials are not searched for card numbers: a Stripe-Signature is hex HMACs, and about one
// in 250 of them holds a Luhn-valid run of digits.
const AUTH_HEADERS = new Set(['authorization', 'x-api-key', 'stripe-signature']);

registerFormats();

/** Request log lines name the route pattern, never the raw URL (it may hold anything). */
class ApiLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? '(unmatched)',
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime),
      ...(request.principal ? { role: request.principal.role } : {}),
    };
    if (error) reply.log.error({ ...line, err: safeError(error) }, 'request errored');
    else reply.log.info(line, 'request completed');
  }

  override defaultErrorLog(): void {}

  override routeNotFound(): void {}
}

/**
 * An error for a log line: its kind, code and stack, never the data attached to it. Postgres
 * errors quote the values they refused (in `message` as well as `detail`), so of those only
 * the code and where they happened are kept.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const fields = error as Error & Record<string, unknown>;
  const code = fields.code;
  const fromPostgres = typeof fields.severity === 'string' && typeof code === 'string';
  const stack = error.stack?.split('\n').slice(1).join('\n');
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(fromPostgres
      ? { table: fields.table, constraint: fields.constraint, routine: fields.routine }
      : { message: error.message }),
    stack,
    ...(error.cause instanceof Error ? { cause: safeError(error.cause) } : {}),
  };
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, body: Problem): FastifyReply {
  if (body.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply
    .code(body.status)
    .type(PROBLEM_TYPE)
    .send({ ...body, requestId: request.id });
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** PAY-8 on everything that arrives before the body: path, query and headers. */
function cardDataBeforeBody(request: FastifyRequest): string | null {
  let decoded = request.url;
  try {
    decoded = decodeURIComponent(request.url.replace(/\+/g, ' '));
  } catch {
    // a malformed escape: the raw URL is checked as it is
  }
  if (containsCardNumber(request.url) || containsCardNumber(decoded)) return 'url';
  if (findCardNumber(request.query) !== null) return 'query';
  if (findCardNumber(request.params) !== null) return 'path';
  for (const [name, value] of Object.entries(request.headers)) {
    if (AUTH_HEADERS.has(name)) continue;
    if (containsCardNumber(name) || findCardNumber(value) !== null) return 'headers';
  }
  return null;
}

/** The API's Fastify instance (TypeBox-typed routes, pino logger). */
export type ApiApp = ReturnType<typeof buildApp>;

export function buildApp(deps: AppDeps) {
  const { config, store } = deps;
  const keyRing = new KeyRing(config.auth.keys);

  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new ApiLogController(),
    bodyLimit: 64 * 1024,
    trustProxy: config.rateLimit.trustProxy,
    requestIdHeader: false,
    genReqId: (raw) => {
      const given = headerValue(raw.headers['x-request-id']);
      return given && REQUEST_ID.test(given) && !containsCardNumber(given) ? given : randomUUID();
    },
    frameworkErrors: (_error, request, reply) => {
      void sendProblem(request, reply, problem('MALFORMED_REQUEST'));
    },
  }).withTypeProvider<TypeBoxProvider>();

  app.setValidatorCompiler(typeBoxValidatorCompiler);
  app.decorateRequest('principal', null);
  app.decorateRequest('idempotency', null);

  // Every route is in the authorization matrix, with the same method and path.
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    const id = route.config?.routeId;
    if (!id || !(id in routes)) throw new Error(`${route.url} is not in the authorization matrix`);
    const access = routeAccess(id);
    if (access.url !== route.url || access.method !== route.method) {
      throw new Error(`${id} is ${access.method} ${access.url} in the matrix`);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { problem: body, internal } = classify(error, request.routeOptions.config?.fieldRules);
    if (internal) request.log.error({ err: safeError(error), code: body.code }, 'request failed');
    else request.log.info({ code: body.code, status: body.status }, 'request refused');
    return sendProblem(request, reply, body);
  });

  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, problem('NOT_FOUND')));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const where = cardDataBeforeBody(request);
    if (where !== null) throw new ApiError('CARD_DATA_REFUSED', cardDetail(where));
  });

  app.addHook('onRequest', async (request) => {
    const id = request.routeOptions.config?.routeId;
    if (!id || keyless(id)) return;
    request.principal = await authenticate(request, keyRing, store);
    authorize(id, request.principal, request);
  });

  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body !== undefined && findCardNumber(request.body) !== null) {
      done(new ApiError('CARD_DATA_REFUSED', cardDetail('body')));
      return;
    }
    done();
  });

  app.addHook('preHandler', async (request, reply) => {
    const accountId = (request.params as { accountId?: unknown } | undefined)?.accountId;
    if (typeof accountId === 'string') request.log = request.log.child({ accountId });
    if (await claimIdempotencyKey(request, reply, store)) return reply;
  });

  // Closing: requests in flight finish, and their connections close with them instead of
  // idling in keep-alive until the server gives up on them.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    const idempotency = request.idempotency;
    if (!idempotency || idempotency.mode !== 'replay' || idempotency.replayed) return payload;
    if (reply.statusCode >= 500 || typeof payload !== 'string') return payload;
    const contentType = String(reply.getHeader('content-type') ?? 'application/json');
    await store
      .completeIdempotencyKey(idempotency.scope, idempotency.key, {
        statusCode: reply.statusCode,
        contentType,
        body: idempotency.storedBody ?? payload,
      })
      .catch((error: unknown) => {
        request.log.warn({ err: safeError(error) }, 'idempotency record not completed');
      });
    return payload;
  });

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Billing API',
        version: '1.0.0',
        description:
          'The thin HTTP API of the subscription billing platform. Every error is an RFC 9457 ' +
          'problem document (application/problem+json) with a stable `code`, and `clause` ' +
          'when a clause of the terms refused the request.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `bk_…`' },
        },
      },
    },
  });

  void app.register(rateLimit, {
    global: true,
    max: config.rateLimit.perKeyPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.principal?.id ?? `client:${request.ip}`,
    errorResponseBuilder: () => new ApiError('RATE_LIMITED'),
  });

  const context = { ...deps };
  void app.register(async (api) => {
    await api.register(healthRoutes(context));
    await api.register(docsRoutes());
    await api.register(signupRoutes(context));
    await api.register(ownerRoutes(context));
    await api.register(productRoutes(context));
    await api.register(supportRoutes(context));
    await api.register(opsRoutes(context));
    await api.register(opsActionRoutes(context));
    await api.register(couponRoutes(context));
    await api.register(billingRoutes(context));
    await api.register(gdprRoutes(context));
    await api.register(webhookRoutes(context));
  });

  return app;
}

export type AppContext = AppDeps;

function cardDetail(where: string): string {
  return (
    `The ${where} of this request holds what looks like a card number. Card details go to ` +
    'the payment processor only; send its payment method token (pm_…) instead.'
  );
}

async function authenticate(
  request: FastifyRequest,
  keyRing: KeyRing,
  store: ApiStore,
): Promise<Principal> {
  const key = bearerKey(headerValue(request.headers.authorization));
  if (key === null)
    throw new ApiError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer bk_…".');
  const digest = keyDigest(key);
  const configured = keyRing.match(digest);
  if (configured) return configured;
  const digestHex = digest.toString('hex');
  const accountId = await store.ownerKeyAccount(digestHex);
  if (accountId === null) throw new ApiError('UNAUTHENTICATED', 'This API key is not valid.');
  return principalFor('owner', accountId, digestHex);
}

function authorize(id: RouteId, principal: Principal, request: FastifyRequest): void {
  if (!allowed(id, principal.role)) {
    throw new ApiError('FORBIDDEN', `A ${principal.role} key may not call this route.`);
  }
  const access = routeAccess(id);
  if (access.ownAccountOnly && principal.role === 'owner') {
    const accountId = (request.params as { accountId?: unknown } | undefined)?.accountId;
    if (accountId !== principal.accountId) {
      throw new ApiError('FORBIDDEN', 'This key belongs to another account.');
    }
  }
}

/** Claims the request's Idempotency-Key; true when the first answer was replayed. */
async function claimIdempotencyKey(
  request: FastifyRequest,
  reply: FastifyReply,
  store: ApiStore,
): Promise<boolean> {
  const mode = request.routeOptions.config?.idempotency;
  const routeId = request.routeOptions.config?.routeId;
  if (!mode || !routeId || !request.principal) return false;
  const key = headerValue(request.headers['idempotency-key']);
  if (key === undefined) return false;
  const scope = request.principal.id;
  const fingerprint = sha256Hex(
    canonicalJson({ route: routeId, params: request.params, body: request.body ?? null }),
  );
  // Never the raw key in an update id: ids show up in the workflow history.
  const requestKey = `${routeId}:${sha256Hex(`${scope}\u0000${key}`).slice(0, 32)}`;
  const claim = await store.claimIdempotencyKey(scope, key, fingerprint);
  request.idempotency = { scope, key, mode, requestKey, replayed: false, storedBody: null };
  if (claim.kind === 'mismatch') throw new ApiError('IDEMPOTENCY_KEY_REUSED');
  if (claim.kind === 'completed' && mode === 'replay') {
    request.idempotency.replayed = true;
    void reply
      .code(claim.statusCode)
      .header('idempotent-replayed', 'true')
      .type(claim.contentType)
      .send(claim.body);
    return true;
  }
  return false;
}

/** The Temporal update id for a command: from the Idempotency-Key, or fresh. */
export function requestKeyFor(request: FastifyRequest, routeId: RouteId): string {
  return request.idempotency?.requestKey ?? `${routeId}:${randomUUID()}`;
}
