/**
 * Builds the worker that runs the account workflows and their activities. Used by the worker
 * process (main.ts) and by end-to-end tests, which run the real worker in-process.
 */
import path from 'node:path';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Logger } from 'pino';
import type pg from 'pg';
import { createActivities } from '../activities';
import { connectTemporalClient, createMailTransport, createStripe } from '../infra/clients';
import { requirePayloadKeys, type Config } from '../infra/config';
import { PayloadEncryptionPlugin } from '../infra/payload-codec';

const infraDir = path.join(__dirname, '..', 'infra');

export interface BillingWorker {
  readonly worker: Worker;
  /** Runs until shutdown() or a shutdown signal; closes the connection afterwards. */
  run(): Promise<void>;
  shutdown(): void;
}

/** Sends the SDK's own log lines (worker lifecycle, workflow `log`) to pino. */
export function installSdkLogger(logger: Logger): void {
  const pinoLevels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      logger[pinoLevels[level]](meta ?? {}, message);
    }),
  });
}

export async function createBillingWorker(args: {
  readonly config: Config;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** SMTP URL to send mail through. */
  readonly smtpUrl: string;
  /** Extra worker options (tests use a prebuilt bundle). */
  readonly options?: Partial<WorkerOptions>;
}): Promise<BillingWorker> {
  const { config, pool, logger } = args;
  // On the connection, so that every worker created on it encrypts and decrypts payloads.
  const encryption = new PayloadEncryptionPlugin(requirePayloadKeys(config));
  // GDPR-4 retention timers are workflows the activities start on this worker's queue.
  const timersClient = await connectTemporalClient(config);
  const activities = createActivities({
    retentionTimers: {
      client: timersClient,
      taskQueue: args.options?.taskQueue ?? config.temporal.taskQueue,
    },
    pool,
    stripe: createStripe(config),
    mailer: createMailTransport(args.smtpUrl),
    mailFrom: config.smtp.from,
    catalogPath: path.join(infraDir, 'catalog.json'),
    holidaysPath: path.join(infraDir, 'holidays.json'),
    logger,
    productWebhook: config.productWebhook,
    sellerCountry: config.sellerCountry,
  });
  const connection = await NativeConnection.connect({
    address: config.temporal.address,
    plugins: [encryption],
  });
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities,
      ...args.options,
    });
    return {
      worker,
      async run() {
        try {
          await worker.run();
        } finally {
          await connection.close();
          await timersClient.connection.close();
        }
      },
      shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      },
    };
  } catch (error) {
    await connection.close();
    await timersClient.connection.close();
    throw error;
  }
}
