/**
 * `npm run worker`: the worker process. Runs account workflows and activities until SIGINT or
 * SIGTERM, then lets activities in flight finish and closes its connections.
 */
import { createLogger, createPool } from '../infra/clients';
import { ConfigError, loadConfig } from '../infra/config';
import { createBillingWorker, installSdkLogger } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  if (config.databaseUrl === null) {
    throw new ConfigError('DATABASE_URL is not set: the worker records invoices in Postgres.');
  }
  if (config.smtp.url === null) {
    throw new ConfigError('SMTP_URL is not set: the worker sends receipts and notices by email.');
  }
  installSdkLogger(logger);
  const pool = createPool(config.databaseUrl);
  try {
    const billing = await createBillingWorker({
      config,
      pool,
      logger,
      smtpUrl: config.smtp.url,
    });
    logger.info(
      { address: config.temporal.address, taskQueue: config.temporal.taskQueue },
      'worker polling',
    );
    await billing.run(); // the SDK shuts the worker down gracefully on SIGINT/SIGTERM
    logger.info('worker stopped');
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`worker failed to start: ${message}\n`);
  process.exitCode = 1;
});
