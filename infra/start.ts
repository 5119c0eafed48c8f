/**
 * `npm start`: the whole platform on this machine, with nothing to install but Node (and Go,
 * Java and Maven on a machine where the tools are not cached yet; see infra/tools).
 *
 *   - Postgres: DATABASE_URL, or an embedded cluster kept in .data/postgres; migrated.
 *   - Temporal: the dev server with its Web UI (ports 7233 and 8233 when free), workflows kept
 *     in .data/temporal.sqlite.
 *   - Mail: SMTP_URL, or a local sink writing every message to .data/mail as a .eml file.
 *   - Payload encryption: PAYLOAD_KEYS, or a local key kept in .data/payload-keys.json, so that
 *     restarts still read the workflows kept in .data/temporal.sqlite.
 *   - Stripe: with STRIPE_API_KEY (and optionally STRIPE_API_BASE) the real thing, otherwise
 *     stripe-mock, so no Stripe account is needed.
 *   - The worker and the API as child processes, given all of the above in their environment.
 *
 * Ctrl-C stops the API and the worker first, then the servers, and exits 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig } from './config';
import { migrate } from './db/migrate';
import { formatPayloadKeys, localPayloadKeys } from './payload-codec';
import { redactUrl, startPostgres } from './postgres';
import {
  canConnect,
  formatDuration,
  formatTail,
  freePort,
  Lifecycle,
  spawnManaged,
  StartupError,
  waitUntilReady,
  type ManagedProcess,
} from './processes';
import { startSmtpSink } from './smtp-sink';
import { startStripeMock, stripeMockApiKey } from './stripe-mock';
import { startStripeSandbox } from './stripe-sandbox';
import { generateKey, keyDigestHex } from '../api/keys';
import { startTemporalDev } from './temporal-dev';
import { resolveStripeMock, resolveTemporalCli, toolContext } from './tools';
import { dataDir, repoRoot } from './tools/paths';

const log = (line: string): void => console.log(`[start] ${line}`);

async function main(life: Lifecycle): Promise<number> {
  const started = Date.now();
  const env = process.env;
  const config = loadConfig(env); // fails early on malformed settings
  const useStripeMock = !env.STRIPE_API_KEY?.trim();
  const useSmtpSink = !env.SMTP_URL?.trim();

  // Without PAYLOAD_KEYS, workflow payloads are encrypted with a key kept beside the dev
  // server's database: the key must outlive a restart as long as the histories do.
  const payloadKeysFile = path.join(dataDir, 'payload-keys.json');
  const localPayload = env.PAYLOAD_KEYS?.trim() ? null : localPayloadKeys(payloadKeysFile);
  if (localPayload?.created) log(`payload keys: created ${payloadKeysFile}`);

  for (const entry of ['worker/main.ts', 'api/server.ts']) {
    if (!fs.existsSync(path.join(repoRoot, entry))) {
      throw new StartupError(`${entry} does not exist yet: there is nothing to start.`);
    }
  }

  const ctx = toolContext(log);
  const [temporalCli, stripeMockTool] = await Promise.all([
    resolveTemporalCli(ctx),
    useStripeMock ? resolveStripeMock(ctx) : Promise.resolve(null),
  ]);

  const postgres = await startPostgres({
    log,
    dataDir: path.join(dataDir, 'postgres'),
    persistent: true,
    database: 'billing',
  });
  life.defer('postgres', () => postgres.stop());
  await migrate(postgres.url, log);

  const temporalServer = await startTemporalDev({
    cli: temporalCli,
    log,
    preferredPort: 7233,
    preferredUiPort: 8233,
    dbFilename: path.join(dataDir, 'temporal.sqlite'),
  });
  life.defer('the Temporal dev server', () => temporalServer.stop());

  let stripeBase = env.STRIPE_API_BASE ?? '';
  let stripeKey = env.STRIPE_API_KEY ?? '';
  if (stripeMockTool) {
    const mock = await startStripeMock({ path: stripeMockTool.path, log });
    life.defer('stripe-mock', () => mock.stop());
    // stripe-mock validates every request; the sandbox in front makes charges succeed
    // (and pm_card_chargeDeclined decline) the way Stripe's test mode does.
    const sandbox = await startStripeSandbox(mock.url);
    life.defer('the Stripe sandbox', () => sandbox.stop());
    stripeBase = sandbox.url;
    stripeKey = stripeMockApiKey;
  }

  // Without API_KEYS, keys for the signup flow, support and ops are made up for this run only.
  const localKeys = env.API_KEYS ? null : localApiKeys();

  let smtpUrl = env.SMTP_URL ?? '';
  const mailDir = path.join(dataDir, 'mail');
  if (useSmtpSink) {
    const sink = await startSmtpSink({ dir: mailDir, log: (line) => log(line) });
    life.defer('the SMTP sink', () => sink.stop());
    smtpUrl = sink.url;
  }

  const apiPort = env.API_PORT ? config.api.port : await freePort(config.api.host, 3000);
  const apiHost = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
  const apiUrl = `http://${apiHost}:${apiPort}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: temporalServer.namespace,
    TEMPORAL_UI_URL: temporalServer.uiUrl,
    STRIPE_API_KEY: stripeKey,
    STRIPE_API_BASE: stripeBase,
    SMTP_URL: smtpUrl,
    API_PORT: String(apiPort),
    ...(localKeys ? { API_KEYS: localKeys.config } : {}),
    ...(localPayload ? { PAYLOAD_KEYS: formatPayloadKeys(localPayload.keys) } : {}),
  };
  if (!stripeBase) delete childEnv.STRIPE_API_BASE;

  const worker = startChild('worker', 'worker/main.ts', childEnv, life);
  await waitUntilReady(
    worker,
    `the worker (task queue ${config.temporal.taskQueue})`,
    () => hasPollers(temporalServer.address, temporalServer.namespace, config.temporal.taskQueue),
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const api = startChild('api', 'api/server.ts', childEnv, life);
  await waitUntilReady(api, `the API on ${apiUrl}`, () => apiAnswers(apiUrl), {
    timeoutMs: 120_000,
    intervalMs: 300,
  });

  const stripeLine = stripeMockTool
    ? `stripe-mock behind a test-mode sandbox at ${stripeBase} (STRIPE_API_KEY is not set)`
    : `Stripe${stripeBase ? ` at ${stripeBase}` : ''} with STRIPE_API_KEY`;
  const mailLine = useSmtpSink
    ? `sunk into ${path.relative(process.cwd(), mailDir) || mailDir}/ as .eml files (SMTP_URL is not set)`
    : `sent through ${redactUrl(smtpUrl)}`;
  const payloadLine = localPayload
    ? `${path.relative(process.cwd(), payloadKeysFile) || payloadKeysFile} (PAYLOAD_KEYS is not set); the Web UI shows payloads encrypted`
    : `PAYLOAD_KEYS, current key "${config.payloadEncryption?.currentKeyId ?? ''}"`;
  console.log(
    [
      '',
      `The billing platform is running (started in ${formatDuration(Date.now() - started)}):`,
      `  API              ${apiUrl}`,
      `  API docs         ${apiUrl}/docs`,
      `  Temporal Web UI  ${temporalServer.uiUrl}`,
      `  Temporal         ${temporalServer.address} (namespace ${temporalServer.namespace}, task queue ${config.temporal.taskQueue})`,
      `  Postgres         ${redactUrl(postgres.url)}`,
      `  Stripe           ${stripeLine}`,
      `  Mail             ${mailLine}`,
      `  Payload keys     ${payloadLine}`,
      ...(localKeys
        ? [
            '  API keys for this run (API_KEYS is not set):',
            ...localKeys.lines.map((line) => `    ${line}`),
          ]
        : []),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  // Runs until Ctrl-C (the lifecycle exits 0) or until a child dies (exit 1).
  const died = await Promise.race([worker, api].map((child) => child.exited.then(() => child)));
  if (life.interrupted) return 0; // stopping on Ctrl-C; the lifecycle finishes the job
  log(`${died.name} stopped unexpectedly.${formatTail(died)}`);
  return 1;
}

/** Runs a TypeScript entry point in one Node process (tsx as a loader, so signals arrive once). */
function startChild(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  life: Lifecycle,
): ManagedProcess {
  const child = spawnManaged(name, process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env,
    onLine: (line) => console.log(`[${name}] ${line}`),
  });
  life.defer(name, async () => {
    await child.stop({ signal: 'SIGTERM', timeoutMs: 30_000 });
  });
  return child;
}

async function hasPollers(address: string, namespace: string, taskQueue: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const described = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return (described.pollers?.length ?? 0) > 0;
  } finally {
    await connection.close();
  }
}

async function apiAnswers(url: string): Promise<boolean> {
  const parsed = new URL(url);
  if (!(await canConnect(parsed.hostname, Number(parsed.port)))) return false;
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

new Lifecycle(log).run(main, () => 0);

/** One key per staff role, valid for this run only; owners get theirs from signup. */
function localApiKeys(): { config: string; lines: string[] } {
  const roles = ['signup', 'support', 'ops'] as const;
  const keys = roles.map((role) => ({ role, key: generateKey() }));
  return {
    config: JSON.stringify(keys.map(({ role, key }) => ({ role, sha256: keyDigestHex(key) }))),
    lines: keys.map(({ role, key }) => `${role.padEnd(8)} Authorization: Bearer ${key}`),
  };
}
