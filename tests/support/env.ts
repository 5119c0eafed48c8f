/**
 * What `npm test` (infra/test-run.ts) hands to the tests: the servers it started and the tools it
 * provisioned. A missing variable fails the test loudly instead of skipping it.
 */
import type { TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';

export type TestEnvName =
  | 'DATABASE_URL'
  | 'STRIPE_API_BASE'
  | 'STRIPE_API_KEY'
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_UI_URL'
  | 'TEMPORAL_TEST_SERVER_PATH';

const providedBy: Record<TestEnvName, string> = {
  DATABASE_URL: 'a migrated Postgres',
  STRIPE_API_BASE: 'stripe-mock',
  STRIPE_API_KEY: 'the Stripe test key',
  TEMPORAL_ADDRESS: 'the Temporal dev server',
  TEMPORAL_UI_URL: 'the Temporal Web UI',
  TEMPORAL_TEST_SERVER_PATH: 'the time-skipping test server',
};

export class MissingTestEnvError extends Error {}

/** The variable's value; throws when it is unset or empty. */
export function requireEnv(name: TestEnvName): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new MissingTestEnvError(
      `${name} is not set. This test needs ${providedBy[name]}: run it with \`npm test\` ` +
        `(e.g. \`npm test -- ${relativeTestPath()}\`), which starts the servers and sets it.`,
    );
  }
  return value;
}

export const databaseUrl = (): string => requireEnv('DATABASE_URL');
export const stripeApiBase = (): string => requireEnv('STRIPE_API_BASE');
export const stripeApiKey = (): string => requireEnv('STRIPE_API_KEY');
export const temporalAddress = (): string => requireEnv('TEMPORAL_ADDRESS');
export const temporalUiUrl = (): string => requireEnv('TEMPORAL_UI_URL');

export type TestServerOptions = NonNullable<TimeSkippingTestWorkflowEnvironmentOptions['server']>;

/**
 * The `server` option of `TestWorkflowEnvironment.createTimeSkipping`: the provisioned test
 * server when TEMPORAL_TEST_SERVER_PATH is set, otherwise the SDK's own download (which the
 * test runner allows only outside CI; see infra/tools).
 */
export function testServerOptions(): TestServerOptions {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH?.trim();
  return path ? { executable: { type: 'existing-path', path } } : {};
}

function relativeTestPath(): string {
  const testPath = typeof expect === 'undefined' ? undefined : expect.getState().testPath;
  if (!testPath) return 'tests/…';
  const index = testPath.lastIndexOf('/tests/');
  return index >= 0 ? testPath.slice(index + 1) : testPath;
}
