/**
 * The worker process as `worker/main.ts` runs it (configuration from the environment, real
 * activities on Postgres, Stripe and SMTP), for tests that kill it. One difference: no sticky
 * workflow cache. The time-skipping test server does not move a workflow task off the sticky
 * queue of a worker that died, so after a SIGKILL the workflow would wait for the dead worker
 * for ever; without a cache every workflow task goes to the shared task queue, as the real
 * server arranges after the sticky schedule-to-start timeout.
 */
import { createLogger, createPool } from '../../../infra/clients';
import { loadConfig } from '../../../infra/config';
import { createBillingWorker } from '../../../worker/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  const pool = createPool(config.databaseUrl!);
  try {
    const billing = await createBillingWorker({
      config,
      pool,
      logger,
      smtpUrl: config.smtp.url!,
      options: { maxCachedWorkflows: 0 },
    });
    logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
    await billing.run();
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `worker failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
