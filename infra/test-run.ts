/**
 * `npm test [-- <jest arguments>]`: everything the test suite needs, then the checks.
 *
 *   1. provision the Temporal CLI, stripe-mock and the time-skipping test server (infra/tools);
 *   2. start, in parallel: Postgres (a throwaway embedded cluster unless DATABASE_URL is set)
 *      and its migrations, stripe-mock, and an in-memory Temporal dev server;
 *   3. run lint (eslint, prettier), typecheck (tsc) and jest, each even when an earlier one failed;
 *   4. stop every server, print each phase's time and, last, a line `N passed, M failed`.
 *
 * Exits 1 when any phase failed, 130 when interrupted.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrate } from './db/migrate';
import { ephemeralPayloadKeys, formatPayloadKeys } from './payload-codec';
import { startPostgres, sweepTestClusters } from './postgres';
import {
  errorMessage,
  formatDuration,
  Lifecycle,
  spawnManaged,
  type ManagedProcess,
} from './processes';
import { startStripeMock, stripeMockApiKey } from './stripe-mock';
import { startTemporalDev } from './temporal-dev';
import { describeTool, provisionTools, toolContext } from './tools';
import { dataDir, repoRoot } from './tools/paths';

const log = (line: string): void => console.log(`[test] ${line}`);

interface PhaseResult {
  readonly name: string;
  readonly ms: number;
  readonly ok: boolean;
}

interface JestCounts {
  passed: number;
  failed: number;
  /** Test files that failed before any of their tests ran (syntax errors, failing hooks). */
  brokenFiles: number;
}

const testClusterPrefix = 'test-postgres-';

async function main(life: Lifecycle): Promise<number> {
  const jestArgs = process.argv.slice(2);
  const phases: PhaseResult[] = [];
  const started = Date.now();
  let counts: JestCounts = { passed: 0, failed: 0, brokenFiles: 0 };

  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const begun = Date.now();
    log(`${name} ...`);
    try {
      const result = await fn();
      phases.push({ name, ms: Date.now() - begun, ok: true });
      log(`${name}: done in ${formatDuration(Date.now() - begun)}`);
      return result;
    } catch (error) {
      phases.push({ name, ms: Date.now() - begun, ok: false });
      if (!life.interrupted) log(`${name}: FAILED after ${formatDuration(Date.now() - begun)}`);
      throw error;
    }
  };

  const report = (): void => {
    log('summary:');
    for (const { name, ms, ok } of phases) {
      log(`  ${name.padEnd(18)} ${formatDuration(ms).padStart(12)}  ${ok ? 'ok' : 'FAILED'}`);
    }
    log(`  ${'total'.padEnd(18)} ${formatDuration(Date.now() - started).padStart(12)}`);
    if (counts.brokenFiles > 0) {
      log(`${counts.brokenFiles} test file(s) failed to run; each is counted as one failed test`);
    }
    console.log(`${counts.passed} passed, ${counts.failed + counts.brokenFiles} failed`);
  };

  let env: NodeJS.ProcessEnv;
  try {
    const tools = await phase('tools', () => provisionTools(toolContext(log)));
    log(`  Temporal CLI: ${describeTool(tools.temporalCli)}`);
    log(`  stripe-mock:  ${describeTool(tools.stripeMock)}`);
    log(`  test server:  ${describeTool(tools.testServer)}`);

    const servers = await phase('servers', async () => {
      await sweepTestClusters(dataDir, testClusterPrefix, log);
      const [database, stripe, temporal] = await Promise.allSettled([
        startPostgres({
          log,
          dataDir: path.join(dataDir, `${testClusterPrefix}${process.pid}`),
          persistent: false,
          database: 'billing_test',
        }).then(async (postgres) => {
          life.defer('postgres', () => postgres.stop());
          await migrate(postgres.url, log);
          return postgres;
        }),
        startStripeMock({ path: tools.stripeMock.path, log }).then((mock) => {
          life.defer('stripe-mock', () => mock.stop());
          return mock;
        }),
        startTemporalDev({ cli: tools.temporalCli, log }).then((server) => {
          life.defer('the Temporal dev server', () => server.stop());
          return server;
        }),
      ]);
      if (
        database.status === 'rejected' ||
        stripe.status === 'rejected' ||
        temporal.status === 'rejected'
      ) {
        const reasons = [database, stripe, temporal]
          .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
          .map((result) => errorMessage(result.reason));
        throw new Error(reasons.join('\n'));
      }
      return { database: database.value, stripe: stripe.value, temporal: temporal.value };
    });

    env = {
      ...process.env,
      DATABASE_URL: servers.database.url,
      STRIPE_API_BASE: servers.stripe.url,
      STRIPE_API_KEY: stripeMockApiKey,
      TEMPORAL_ADDRESS: servers.temporal.address,
      TEMPORAL_NAMESPACE: servers.temporal.namespace,
      TEMPORAL_UI_URL: servers.temporal.uiUrl,
      // The servers keep nothing beyond this run, so neither does the payload key.
      PAYLOAD_KEYS: formatPayloadKeys(ephemeralPayloadKeys('test-run')),
    };
    // Tests never send real mail: they start their own SMTP sink.
    delete env.SMTP_URL;
    if (tools.testServer.kind === 'path') env.TEMPORAL_TEST_SERVER_PATH = tools.testServer.path;
    else delete env.TEMPORAL_TEST_SERVER_PATH;
  } catch (error) {
    log(errorMessage(error));
    report();
    return 1;
  }

  let running: ManagedProcess | null = null;
  // Registered after the servers, so on Ctrl-C the running check stops before them.
  life.defer('the running check', async () => {
    await running?.stop({ timeoutMs: 5_000 });
  });
  const check = async (name: string, bin: string, args: string[], childEnv = process.env) => {
    if (life.interrupted) return; // stopping: start nothing new
    await phase(name, async () => {
      running = spawnManaged(name, path.join(repoRoot, 'node_modules', '.bin', bin), args, {
        cwd: repoRoot,
        env: childEnv,
        inheritStdio: true,
      });
      const { code, signal } = await running.exited;
      running = null;
      if (code !== 0) throw new Error(`${bin} ${signal ? `killed by ${signal}` : `exit ${code}`}`);
    }).then(
      () => true,
      () => false,
    );
  };

  const resultsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'billing-jest-'));
  life.defer('jest results', () => fs.rm(resultsDir, { recursive: true, force: true }));
  const resultsFile = path.join(resultsDir, 'results.json');

  await check('lint (eslint)', 'eslint', ['.']);
  await check('lint (prettier)', 'prettier', ['--check', '.']);
  await check('typecheck', 'tsc', ['--noEmit', '-p', 'tsconfig.json']);
  await check('jest', 'jest', ['--ci', '--json', `--outputFile=${resultsFile}`, ...jestArgs], env);
  if (life.interrupted) return 130; // the lifecycle is already stopping everything
  counts = await readJestCounts(resultsFile);

  report();
  return phases.every((p) => p.ok) ? 0 : 1;
}

async function readJestCounts(file: string): Promise<JestCounts> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    log('jest wrote no results (it failed before running any test file)');
    return { passed: 0, failed: 0, brokenFiles: 0 };
  }
  const results = parsed as Partial<Record<string, unknown>>;
  const count = (key: string): number => {
    const value = results[key];
    return typeof value === 'number' ? value : 0;
  };
  return {
    passed: count('numPassedTests'),
    failed: count('numFailedTests'),
    brokenFiles: count('numRuntimeErrorTestSuites'),
  };
}

new Lifecycle(log).run(main, () => 130);
