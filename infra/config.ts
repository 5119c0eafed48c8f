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
  };
  readonly smtp: {
    /** smtp://host:port; null means "deliver to the local sink" (npm start only). */
    readonly url: string | null;
    readonly from: string;
  };
  readonly api: { readonly host: string; readonly port: number };
  readonly logLevel: string;
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
    },
    smtp: {
      url: optional(env.SMTP_URL),
      from: env.MAIL_FROM ?? 'Billing <billing@localhost>',
    },
    api: {
      host: env.API_HOST ?? '127.0.0.1',
      port: port('API_PORT', env.API_PORT ?? '3000'),
    },
    logLevel: env.LOG_LEVEL ?? 'info',
  };
  return deepFreeze(config);
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
