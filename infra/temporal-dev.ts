/**
 * The Temporal dev server (`temporal server start-dev`: frontend, history, matching and the Web
 * UI in one process, SQLite or in-memory) on free loopback ports. When no CLI binary was
 * provisioned, the Temporal SDK downloads one and runs it instead.
 */
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort, spawnManaged, waitUntilReady } from './processes';
import type { ResolvedTool } from './tools';

export interface TemporalDevServer {
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  readonly address: string;
  readonly namespace: string;
  /** The Web UI, for TEMPORAL_UI_URL. */
  readonly uiUrl: string;
  stop(): Promise<void>;
}

export interface StartTemporalDevOptions {
  cli: ResolvedTool;
  log: (line: string) => void;
  /** Tried first (npm start uses Temporal's usual 7233 and 8233); any free port otherwise. */
  preferredPort?: number;
  preferredUiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when omitted. */
  dbFilename?: string;
  timeoutMs?: number;
}

const host = '127.0.0.1';
const namespace = 'default';

export async function startTemporalDev(
  options: StartTemporalDevOptions,
): Promise<TemporalDevServer> {
  const port = await freePort(host, options.preferredPort);
  let uiPort = await freePort(host, options.preferredUiPort);
  if (uiPort === port) uiPort = await freePort(host);
  const address = `${host}:${port}`;
  const uiUrl = `http://${host}:${uiPort}`;
  const timeoutMs = options.timeoutMs ?? 90_000;
  const what = `the Temporal dev server on ${address}`;

  if (options.cli.kind === 'download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: host,
        port,
        ui: true,
        uiPort,
        namespace,
        log: { format: 'pretty', level: 'warn' },
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      },
    });
    options.log(`temporal: dev server (downloaded by the SDK) on ${address}, Web UI ${uiUrl}`);
    return { address, namespace, uiUrl, stop: () => env.teardown() };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
  ];
  const server = spawnManaged('temporal', options.cli.path, args);
  const stop = async (): Promise<void> => {
    await server.stop({ timeoutMs: 10_000 });
  };
  try {
    await waitUntilReady(server, what, () => frontendAnswers(address), { timeoutMs });
    await waitUntilReady(server, `the Temporal Web UI on ${uiUrl}`, () => uiAnswers(uiUrl), {
      timeoutMs,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  options.log(`temporal: dev server on ${address}, Web UI ${uiUrl}`);
  return { address, namespace, uiUrl, stop };
}

/** True when the frontend serves requests for the namespace. */
export async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

async function uiAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.status < 500;
}
