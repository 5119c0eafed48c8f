/**
 * `buildApp` wired for tests: a fake gateway, the real Postgres of the test run, API keys for
 * every role, and every log line captured so tests can prove what never reaches a log.
 */
import './esm';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import Stripe from 'stripe';
import type { InjectOptions } from 'fastify';
import { buildApp, type ApiApp, type AppDeps } from '../../../api/app';
import { fileCatalog } from '../../../api/catalog';
import { generateKey, keyDigestHex } from '../../../api/keys';
import { PgStore } from '../../../api/store';
import { accountIdForSignup } from '../../../api/routes/signup';
import type { ApiKeyEntry, ApiRole, Config } from '../../../infra/config';
import { redactedPaths } from '../../../infra/clients';
import { databaseUrl } from '../../support/env';
import { PgCouponStore } from '../../../api/coupon-store';
import { PgWebhookStore } from '../../../api/webhook-store';
import { PgGdprStore } from '../../../api/gdpr-store';
import { fakeCouponGateway, type FakeCouponGateway } from './fake-coupon-gateway';
import { fakeGateway, type FakeGateway } from './fake-gateway';

export type StaffRole = Exclude<ApiRole, 'owner'>;

export interface Harness {
  readonly app: ApiApp;
  /** What `app` was built from, to build another one. */
  readonly deps: AppDeps;
  readonly gateway: FakeGateway;
  readonly couponGateway: FakeCouponGateway;
  readonly store: PgStore;
  readonly pool: pg.Pool;
  /** A configured key per staff role. */
  readonly keys: Record<StaffRole, string>;
  /** An owner key from configuration, bound to `configOwnerAccountId`. */
  readonly configOwnerKey: string;
  readonly configOwnerAccountId: string;
  /** Every log line written so far, as raw JSON text. */
  readonly logLines: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly rateLimit?: Partial<Config['rateLimit']>;
  /** A pool to share between harnesses; closed by its owner. */
  readonly pool?: pg.Pool;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const pool = options.pool ?? new pg.Pool({ connectionString: databaseUrl(), max: 5 });
  const found = await pool.query<{ table: string | null }>(
    "SELECT to_regclass('public.api_owner_keys')::text AS table",
  );
  if (found.rows[0]?.table == null) {
    throw new Error('The test database has no API tables: apply infra/db/migrations first.');
  }
  const keys: Record<StaffRole, string> = {
    signup: generateKey(),
    support: generateKey(),
    ops: generateKey(),
  };
  const configOwnerKey = generateKey();
  const configOwnerAccountId = accountIdForSignup(`config-owner-${randomUUID()}`);
  const entries: ApiKeyEntry[] = [
    ...(Object.entries(keys) as [StaffRole, string][]).map(([role, key]) => ({
      role,
      sha256: keyDigestHex(key),
      accountId: null,
      label: `test ${role}`,
    })),
    {
      role: 'owner',
      sha256: keyDigestHex(configOwnerKey),
      accountId: configOwnerAccountId,
      label: 'test owner',
    },
  ];
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug', redact: { paths: redactedPaths, censor: '[redacted]' } },
    { write: (line: string) => void logLines.push(line) },
  );
  const gateway = fakeGateway();
  const couponGateway = fakeCouponGateway();
  const store = new PgStore(pool);
  const deps: AppDeps = {
    config: {
      temporal: {
        address: '127.0.0.1:7233',
        namespace: 'default',
        taskQueue: 'billing',
        uiUrl: 'http://temporal-ui.test:8233',
      },
      auth: { keys: entries },
      rateLimit: {
        perKeyPerMinute: 10_000,
        signupsPerClientPerHour: 10_000,
        trustProxy: false,
        ...options.rateLimit,
      },
    },
    gateway,
    store,
    catalog: fileCatalog(),
    logger,
    coupons: { gateway: couponGateway, store: new PgCouponStore(pool) },
    gdpr: new PgGdprStore(pool),
    webhooks: {
      store: new PgWebhookStore(pool),
      secret: WEBHOOK_SECRET,
      toleranceSeconds: 300,
    },
  };
  const app = buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    gateway,
    couponGateway,
    store,
    pool,
    keys,
    configOwnerKey,
    configOwnerAccountId,
    logLines,
    async close() {
      await app.close();
      if (!options.pool) await pool.end();
    },
  };
}

export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}

/** A signup body with a fresh signup id; override any field. */
export function signupBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    signupId: randomUUID(),
    fullName: 'Ada Lovelace',
    email: `ada.${randomUUID().slice(0, 8)}@example.test`,
    ageConfirmed: true,
    planId: 'team',
    seats: 3,
    cycle: 'monthly',
    currency: 'USD',
    language: 'en',
    ...overrides,
  };
}

export interface SignedUp {
  readonly accountId: string;
  readonly ownerKey: string;
  readonly body: Record<string, unknown>;
}

/** Signs up a fresh account through the API and returns its id and owner key. */
export async function signUp(
  harness: Harness,
  overrides: Record<string, unknown> = {},
): Promise<SignedUp> {
  const body = signupBody(overrides);
  const response = await harness.app.inject({
    method: 'POST',
    url: '/v1/signups',
    headers: bearer(harness.keys.signup),
    payload: body,
  });
  if (response.statusCode !== 201) {
    throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  }
  const json = response.json<{ accountId: string; ownerKey: string }>();
  return { accountId: json.accountId, ownerKey: json.ownerKey, body };
}

/** The Stripe webhook signing secret the harness's app verifies with. */
export const WEBHOOK_SECRET = 'whsec_harness_test_secret';

/**
 * A Stripe webhook request for the harness's app, signed with Stripe's own test helper.
 * `payload` is sent exactly as given; `timestamp` (seconds) defaults to now.
 */
export function stripeWebhook(
  payload: string,
  options: { readonly timestamp?: number; readonly secret?: string } = {},
): InjectOptions {
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return {
    method: 'POST',
    url: '/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    payload,
  };
}

/** A Stripe event as JSON text, with a fresh event id unless one is given. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  eventId = `evt_${randomUUID().replace(/-/g, '')}`,
): string {
  return JSON.stringify({
    id: eventId,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
}

export const PROBLEM_CONTENT_TYPE = /^application\/problem\+json/;
