/**
 * The platform's configuration: the only place that reads `process.env`.
 * Validated once at boot, typed and frozen; everything else receives it as a parameter.
 */
export interface Config {
  readonly databaseUrl: string | null;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    /** Base URL of the Temporal Web UI, for links from the API. */
    readonly uiUrl: string;
  };
  readonly stripe: {
    readonly apiKey: string;
    /** Where the Stripe API is served: Stripe itself by default, stripe-mock in tests. */
    readonly apiBase: URL | null;
    readonly webhookSecret: string;
    /** Signed webhooks older than this are refused as replays. */
    readonly webhookToleranceSeconds: number;
  };
  readonly smtp: {
    /** smtp://host:port; null means "deliver to the local sink" (npm start only). */
    readonly url: string | null;
    readonly from: string;
  };
  readonly api: { readonly host: string; readonly port: number };
  /** Where the product hears of erased accounts (`account.deleted`, CAN-3), and the HMAC secret. */
  readonly productWebhook: { readonly url: URL; readonly secret: string } | null;
  readonly logLevel: string;
  /** API keys per role, from `API_KEYS`: digests only, never the keys themselves. */
  readonly auth: { readonly keys: readonly ApiKeyEntry[] };
  readonly rateLimit: {
    /** Requests per minute per API key (per client address for unauthenticated routes). */
    readonly perKeyPerMinute: number;
    /** Signups per hour per client address (ACCT-1). */
    readonly signupsPerClientPerHour: number;
    /**
     * Whether the API sits behind a proxy (the web signup flow, a load balancer) whose
     * `X-Forwarded-For` names the real client; only then is that header believed.
     */
    readonly trustProxy: boolean;
  };
  /**
   * Keys that encrypt workflow payloads (GDPR-1), from `PAYLOAD_KEYS`; null when unset, which
   * the worker and the API refuse to start with.
   */
  readonly payloadEncryption: PayloadKeys | null;
}

/** The keys workflow payloads are encrypted with: the current one encodes, all decode. */
export interface PayloadKeys {
  readonly currentKeyId: string;
  /** Key id → the 32-byte AES-256 key, base64-encoded. */
  readonly keys: Readonly<Record<string, string>>;
}

export const apiRoles = ['signup', 'owner', 'support', 'ops'] as const;
export type ApiRole = (typeof apiRoles)[number];

/** One configured API key: its role, the hex SHA-256 of the key, and for owners the account. */
export interface ApiKeyEntry {
  readonly role: ApiRole;
  readonly sha256: string;
  readonly accountId: string | null;
  readonly label: string | null;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Config = {
    databaseUrl: optional(env.DATABASE_URL),
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'billing',
      uiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    },
    stripe: {
      apiKey: env.STRIPE_API_KEY ?? 'sk_test_123',
      apiBase: url('STRIPE_API_BASE', env.STRIPE_API_BASE),
      webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? 'whsec_local_development_only',
      webhookToleranceSeconds: positiveInteger(
        'STRIPE_WEBHOOK_TOLERANCE_SECONDS',
        env.STRIPE_WEBHOOK_TOLERANCE_SECONDS ?? '300',
      ),
    },
    smtp: {
      url: optional(env.SMTP_URL),
      from: env.MAIL_FROM ?? 'Billing <billing@localhost>',
    },
    api: {
      host: env.API_HOST ?? '127.0.0.1',
      port: port('API_PORT', env.API_PORT ?? '3000'),
    },
    productWebhook: productWebhook(env.PRODUCT_WEBHOOK_URL, env.PRODUCT_WEBHOOK_SECRET),
    logLevel: env.LOG_LEVEL ?? 'info',
    auth: { keys: apiKeys(env.API_KEYS) },
    rateLimit: {
      perKeyPerMinute: positiveInteger(
        'API_RATE_LIMIT_PER_MINUTE',
        env.API_RATE_LIMIT_PER_MINUTE ?? '300',
      ),
      signupsPerClientPerHour: positiveInteger(
        'API_SIGNUPS_PER_HOUR',
        env.API_SIGNUPS_PER_HOUR ?? '10',
      ),
      trustProxy: flag('API_TRUST_PROXY', env.API_TRUST_PROXY),
    },
    payloadEncryption: payloadKeys(env.PAYLOAD_KEYS),
  };
  return deepFreeze(config);
}

function productWebhook(
  address: string | undefined,
  secret: string | undefined,
): { url: URL; secret: string } | null {
  const at = url('PRODUCT_WEBHOOK_URL', address);
  if (at === null) return null;
  const key = optional(secret);
  if (key === null || key.length < 32) {
    throw new ConfigError(
      'PRODUCT_WEBHOOK_SECRET of at least 32 characters must go with PRODUCT_WEBHOOK_URL',
    );
  }
  return { url: at, secret: key };
}

function optional(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}

function url(name: string, value: string | undefined): URL | null {
  if (optional(value) === null) return null;
  try {
    return new URL(value!);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${value}"`);
  }
}

function port(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new ConfigError(`${name} must be a port number, got "${value}"`);
  }
  return parsed;
}

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  }
  return parsed;
}

function flag(name: string, value: string | undefined): boolean {
  const normalised = optional(value)?.toLowerCase() ?? 'false';
  if (normalised === 'true' || normalised === '1') return true;
  if (normalised === 'false' || normalised === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/**
 * `API_KEYS`: a JSON list of `{ "role", "sha256", "accountId"?, "label"? }`, as printed by
 * `api/keygen.ts`. Owner keys name their one account; other roles must not.
 */
export function apiKeys(value: string | undefined): ApiKeyEntry[] {
  if (optional(value) === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value!);
  } catch {
    throw new ConfigError('API_KEYS must be a JSON list of { role, sha256, accountId?, label? }');
  }
  if (!Array.isArray(parsed)) throw new ConfigError('API_KEYS must be a JSON list');
  const seen = new Set<string>();
  return parsed.map((item: unknown, index): ApiKeyEntry => {
    const at = `API_KEYS[${index}]`;
    if (typeof item !== 'object' || item === null) throw new ConfigError(`${at} must be an object`);
    const entry = item as Record<string, unknown>;
    const role = entry.role;
    if (typeof role !== 'string' || !(apiRoles as readonly string[]).includes(role)) {
      throw new ConfigError(`${at}.role must be one of ${apiRoles.join(', ')}`);
    }
    const sha256 = entry.sha256;
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new ConfigError(`${at}.sha256 must be 64 lower-case hex digits`);
    }
    if (seen.has(sha256)) throw new ConfigError(`${at}.sha256 is listed twice`);
    seen.add(sha256);
    const accountId = entry.accountId ?? null;
    if (role === 'owner' && (typeof accountId !== 'string' || accountId === '')) {
      throw new ConfigError(`${at}: an owner key must name its accountId`);
    }
    if (role !== 'owner' && accountId !== null) {
      throw new ConfigError(`${at}: only owner keys are bound to an account`);
    }
    const label = entry.label ?? null;
    if (label !== null && typeof label !== 'string') {
      throw new ConfigError(`${at}.label must be a string`);
    }
    return { role: role as ApiRole, sha256, accountId: accountId as string | null, label };
  });
}

/** The payload keys; throws for processes that talk to Temporal without them. */
export function requirePayloadKeys(config: Pick<Config, 'payloadEncryption'>): PayloadKeys {
  if (config.payloadEncryption === null) {
    throw new ConfigError(
      'PAYLOAD_KEYS is not set: workflow payloads are encrypted (GDPR-1); ' +
        'see "Payload encryption (GDPR-1)" in README.md',
    );
  }
  return config.payloadEncryption;
}

/** Key ids appear in every encrypted payload's metadata: short and printable. */
export const payloadKeyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
export const payloadKeyBytes = 32;

/** A base64-encoded 32-byte key as bytes, or null when it is not one. */
export function decodePayloadKey(encoded: unknown): Buffer | null {
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const bytes = Buffer.from(encoded, 'base64');
  return bytes.length === payloadKeyBytes ? bytes : null;
}

/**
 * `PAYLOAD_KEYS`: `{ "current": "<key id>", "keys": { "<key id>": "<base64 of 32 bytes>" } }`.
 * Rotation adds a key and makes it current; retired keys stay listed for decoding.
 */
export function payloadKeys(value: string | undefined): PayloadKeys | null {
  if (optional(value) === null) return null;
  const shape =
    'PAYLOAD_KEYS must be JSON { "current": "<key id>", "keys": { "<key id>": "<base64 of 32 bytes>" } }';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value!);
  } catch {
    throw new ConfigError(`${shape}; it is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(shape);
  }
  const { current, keys } = parsed as Record<string, unknown>;
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new ConfigError(`${shape}; "keys" is missing`);
  }
  const entries = Object.entries(keys as Record<string, unknown>);
  if (entries.length === 0) throw new ConfigError('PAYLOAD_KEYS.keys lists no key');
  for (const [id, key] of entries) {
    if (!payloadKeyIdPattern.test(id)) {
      throw new ConfigError(
        `PAYLOAD_KEYS key id "${id}" must be 1-64 letters, digits, dots, dashes or underscores`,
      );
    }
    if (decodePayloadKey(key) === null) {
      throw new ConfigError(
        `PAYLOAD_KEYS.keys["${id}"] must be ${payloadKeyBytes} random bytes, base64-encoded ` +
          '(e.g. `openssl rand -base64 32`)',
      );
    }
  }
  const checked = Object.fromEntries(entries) as Record<string, string>;
  if (typeof current !== 'string' || current === '') {
    throw new ConfigError('PAYLOAD_KEYS.current must name the key new payloads are encrypted with');
  }
  if (!Object.hasOwn(checked, current)) {
    throw new ConfigError(
      `PAYLOAD_KEYS.current is "${current}", which is not among its keys (${Object.keys(checked).join(', ')})`,
    );
  }
  return { currentKeyId: current, keys: checked };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
