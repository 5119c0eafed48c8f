/**
 * Provisioning of the three binaries the platform needs locally: the Temporal CLI (dev server
 * and Web UI), stripe-mock, and the Java time-skipping test server.
 *
 * Each is looked for, in order:
 *   1. at the path in its environment variable (TEMPORAL_CLI_PATH, STRIPE_MOCK_PATH,
 *      TEMPORAL_TEST_SERVER_PATH);
 *   2. in the project's cache, `.tools/`;
 *   3. built from the package registries (Go module proxy, Maven Central) when `go`, or `java`
 *      and `mvn`, are installed, into the cache;
 *   4. downloaded by the Temporal SDK itself at start-up (Temporal CLI and test server only),
 *      unless BILLING_TOOLS_SOURCE=registry says that only package registries may be used.
 */
import path from 'node:path';
import { errorMessage } from '../processes';
import { cachedTool, findOnPath, isExecutable, type Log } from './cache';
import { goInstall } from './go';
import { buildTestServer } from './test-server';
import { stripeMock, temporalCli, testServer, type GoTool } from './versions';

export { toolsBinDir, toolsDir } from './paths';

export type ToolSource = 'env' | 'cache' | 'built';

export interface LocalTool {
  readonly kind: 'path';
  readonly path: string;
  readonly source: ToolSource;
}

/** The Temporal SDK fetches the binary itself when the server starts. */
export interface SdkDownload {
  readonly kind: 'download';
  readonly reason: string;
}

export type ResolvedTool = LocalTool | SdkDownload;

/**
 * BILLING_TOOLS_SOURCE: `auto` (default) builds from registries and falls back to the SDK's
 * download; `registry` never downloads from anywhere but package registries (CI); `download`
 * skips building the Temporal binaries and lets the SDK download them.
 */
export type ToolsPolicy = 'auto' | 'registry' | 'download';

export const toolEnv = {
  temporalCli: 'TEMPORAL_CLI_PATH',
  stripeMock: 'STRIPE_MOCK_PATH',
  testServer: 'TEMPORAL_TEST_SERVER_PATH',
  policy: 'BILLING_TOOLS_SOURCE',
} as const;

export class ToolError extends Error {}

export interface ToolContext {
  readonly log: Log;
  readonly env: NodeJS.ProcessEnv;
  readonly policy: ToolsPolicy;
}

export function toolContext(log: Log, env: NodeJS.ProcessEnv = process.env): ToolContext {
  const raw = (env[toolEnv.policy] ?? '').trim() || 'auto';
  if (raw !== 'auto' && raw !== 'registry' && raw !== 'download') {
    throw new ToolError(`${toolEnv.policy} must be auto, registry or download; got "${raw}"`);
  }
  return { log, env, policy: raw };
}

export function resolveTemporalCli(ctx: ToolContext): Promise<ResolvedTool> {
  return resolveGoTool(ctx, temporalCli, toolEnv.temporalCli, true);
}

export async function resolveStripeMock(ctx: ToolContext): Promise<LocalTool> {
  const resolved = await resolveGoTool(ctx, stripeMock, toolEnv.stripeMock, false);
  if (resolved.kind !== 'path') throw new ToolError(resolved.reason);
  return resolved;
}

export async function resolveTestServer(ctx: ToolContext): Promise<ResolvedTool> {
  const fromEnv = await explicitPath(ctx, toolEnv.testServer);
  if (fromEnv) return fromEnv;
  const cached = await cachedTool(testServer.bin, testServer.version);
  if (cached) return { kind: 'path', path: cached, source: 'cache' };

  const java = await findOnPath('java', ctx.env.PATH);
  const mvn = await findOnPath('mvn', ctx.env.PATH);
  const missing = [java ? null : 'java', mvn ? null : 'mvn'].filter(Boolean).join(' and ');
  if (ctx.policy !== 'download' && java && mvn) {
    try {
      return { kind: 'path', path: await buildTestServer(mvn, ctx.log), source: 'built' };
    } catch (error) {
      if (ctx.policy === 'registry') throw error;
      ctx.log(`${testServer.name}: ${errorMessage(error)}`);
      return download(ctx, testServer.name, 'the Maven build failed');
    }
  }
  if (ctx.policy === 'registry') {
    throw new ToolError(
      `${testServer.name}: ${missing} not found, and ${toolEnv.policy}=registry forbids the ` +
        `SDK's download. Install a JDK (17 or later) and Maven, or set ${toolEnv.testServer} ` +
        'to an executable that takes the port as its first argument.',
    );
  }
  return download(
    ctx,
    testServer.name,
    ctx.policy === 'download' ? `${toolEnv.policy}=download` : `${missing} not installed`,
  );
}

export interface Tools {
  temporalCli: ResolvedTool;
  stripeMock: LocalTool;
  testServer: ResolvedTool;
}

/** Resolves all three tools at once (builds run in parallel), reporting every failure. */
export async function provisionTools(ctx: ToolContext): Promise<Tools> {
  const [cli, mock, server] = await Promise.allSettled([
    resolveTemporalCli(ctx),
    resolveStripeMock(ctx),
    resolveTestServer(ctx),
  ]);
  const failures = [cli, mock, server]
    .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    .map((result) => errorMessage(result.reason));
  if (cli.status !== 'fulfilled' || mock.status !== 'fulfilled' || server.status !== 'fulfilled') {
    throw new ToolError(failures.join('\n'));
  }
  return { temporalCli: cli.value, stripeMock: mock.value, testServer: server.value };
}

export function describeTool(tool: ResolvedTool): string {
  if (tool.kind === 'download')
    return `downloaded by the Temporal SDK at start-up (${tool.reason})`;
  const origin = { env: 'from the environment', cache: 'cached', built: 'built just now' };
  return `${tool.path} (${origin[tool.source]})`;
}

async function resolveGoTool(
  ctx: ToolContext,
  tool: GoTool,
  envName: string,
  sdkCanDownload: boolean,
): Promise<ResolvedTool> {
  const fromEnv = await explicitPath(ctx, envName);
  if (fromEnv) return fromEnv;
  const cached = await cachedTool(tool.bin, tool.version);
  if (cached) return { kind: 'path', path: cached, source: 'cache' };

  const go = await findOnPath('go', ctx.env.PATH);
  const useSdk = sdkCanDownload && ctx.policy === 'download';
  if (go && !useSdk) {
    try {
      return { kind: 'path', path: await goInstall(tool, go, ctx.log), source: 'built' };
    } catch (error) {
      if (!sdkCanDownload || ctx.policy === 'registry') throw error;
      ctx.log(`${tool.name}: ${errorMessage(error)}`);
      return download(ctx, tool.name, 'go install failed');
    }
  }
  if (useSdk) return download(ctx, tool.name, `${toolEnv.policy}=download`);
  if (!sdkCanDownload) {
    throw new ToolError(
      `${tool.name} is needed and Go is not installed. Install Go (https://go.dev/dl/) and run ` +
        `again: it is built once with go install into .tools/. Or set ${envName} to an ` +
        `existing ${tool.bin} executable.`,
    );
  }
  if (ctx.policy === 'registry') {
    throw new ToolError(
      `${tool.name}: Go is not installed, and ${toolEnv.policy}=registry forbids the SDK's ` +
        `download. Install Go (https://go.dev/dl/), or set ${envName}.`,
    );
  }
  return download(ctx, tool.name, 'Go is not installed');
}

async function explicitPath(ctx: ToolContext, envName: string): Promise<LocalTool | null> {
  const value = ctx.env[envName]?.trim();
  if (!value) return null;
  const file = path.resolve(value);
  if (!(await isExecutable(file))) {
    throw new ToolError(`${envName} is set to ${value}, which is not an executable file.`);
  }
  return { kind: 'path', path: file, source: 'env' };
}

function download(ctx: ToolContext, name: string, reason: string): SdkDownload {
  ctx.log(`${name}: will be downloaded by the Temporal SDK when first started (${reason})`);
  return { kind: 'download', reason };
}
