/**
 * `npm run api`: the HTTP API process. Reads configuration, connects to Postgres and Temporal,
 * listens, and on SIGINT/SIGTERM stops accepting requests, lets the ones in flight finish,
 * then closes its connections.
 */
import { connectTemporalClient, createLogger, createPool } from '../infra/clients';
import { ConfigError, loadConfig } from '../infra/config';
import { buildApp } from './app';
import { fileCatalog } from './catalog';
import { TemporalCouponGateway } from './coupon-gateway';
import { PgCouponStore } from './coupon-store';
import { PgWebhookStore } from './webhook-store';
import { PgGdprStore } from './gdpr-store';
import { PgStore } from './store';
import { TemporalAccountGateway } from './temporal-gateway';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, 'api');
  if (config.databaseUrl === null) {
    throw new ConfigError('DATABASE_URL is not set: the API reads and writes Postgres.');
  }
  if (config.auth.keys.length === 0) {
    logger.warn('API_KEYS is empty: only owner keys issued at signup will be accepted');
  }

  const pool = createPool(config.databaseUrl);
  const client = await connectTemporalClient(config);
  const connection = client.connection;
  const app = buildApp({
    config,
    gateway: new TemporalAccountGateway(client, {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
    }),
    store: new PgStore(pool),
    catalog: fileCatalog(),
    logger,
    coupons: {
      gateway: new TemporalCouponGateway(client, { taskQueue: config.temporal.taskQueue }),
      store: new PgCouponStore(pool),
    },
    gdpr: new PgGdprStore(pool),
    webhooks: {
      store: new PgWebhookStore(pool),
      secret: config.stripe.webhookSecret,
      toleranceSeconds: config.stripe.webhookToleranceSeconds,
    },
  });

  let closing: Promise<void> | null = null;
  const close = (signal: NodeJS.Signals): Promise<void> => {
    closing ??= (async () => {
      logger.info({ signal }, 'closing: finishing requests in flight');
      try {
        await app.close(); // stops listening, waits for requests in flight, answers new ones 503
      } finally {
        await Promise.allSettled([connection.close(), pool.end()]);
        logger.info('closed');
      }
    })();
    return closing;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      close(signal).catch((error: unknown) => {
        logger.error({ err: error }, 'error while closing');
        process.exitCode = 1;
      });
    });
  }

  try {
    const url = await app.listen({ host: config.api.host, port: config.api.port });
    logger.info({ url, docs: `${url}/docs` }, `API listening on ${url}`);
  } catch (error) {
    await Promise.allSettled([connection.close(), pool.end()]);
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
