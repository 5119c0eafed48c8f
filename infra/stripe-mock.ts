/** stripe-mock, Stripe's official API mock, on a free loopback port. */
import { freePort, spawnManaged, waitUntilReady } from './processes';

export interface StripeMockServer {
  /** Base URL of the HTTP API, for STRIPE_API_BASE. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface StartStripeMockOptions {
  /** The stripe-mock executable. */
  path: string;
  log: (line: string) => void;
  preferredPort?: number;
  timeoutMs?: number;
}

/** The key stripe-mock expects; it accepts any key that looks like a test key. */
export const stripeMockApiKey = 'sk_test_123';

export async function startStripeMock(options: StartStripeMockOptions): Promise<StripeMockServer> {
  const port = await freePort('127.0.0.1', options.preferredPort);
  const url = `http://127.0.0.1:${port}`;
  // -http-addr keeps it on loopback, but unlike -http-port it does not switch off the default
  // HTTPS listener on the fixed port 12112, which would collide with any other stripe-mock;
  // so HTTPS gets a free loopback port of its own (and is not used).
  let httpsPort = await freePort('127.0.0.1');
  if (httpsPort === port) httpsPort = await freePort('127.0.0.1');
  const server = spawnManaged('stripe-mock', options.path, [
    '-http-addr',
    `127.0.0.1:${port}`,
    '-https-addr',
    `127.0.0.1:${httpsPort}`,
  ]);
  const stop = async (): Promise<void> => {
    await server.stop({ timeoutMs: 5_000 });
  };
  try {
    await waitUntilReady(server, `stripe-mock on port ${port}`, () => answers(url), {
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  options.log(`stripe-mock: ${url}`);
  return { url, stop };
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v1/customers?limit=1`, {
    headers: { Authorization: `Bearer ${stripeMockApiKey}` },
    signal: AbortSignal.timeout(2_000),
  });
  return response.ok;
}
