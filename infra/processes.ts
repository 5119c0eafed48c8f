/**
 * Child processes for local start-up and test runs: each runs in its own process group so that
 * stopping it also stops whatever it spawned, its recent output is kept for error messages, and
 * every one still alive is killed when this process exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** The last lines the process wrote to stdout and stderr. */
  tail(lines?: number): string;
  /** Signals the whole process group, then kills it if it is still alive after `timeoutMs`. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<ProcessExit>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Called with every complete output line (stdout and stderr), e.g. to echo it. */
  onLine?: (line: string) => void;
  /** Let the child use this process's stdin/stdout/stderr instead of capturing its output. */
  inheritStdio?: boolean;
  /** Lines of output kept for `tail()`. */
  keepLines?: number;
}

const live = new Set<ManagedProcess>();

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort for every path out of this process (errors, process.exit, signals handled
  // elsewhere): nothing we started may outlive us.
  process.on('exit', () => {
    for (const proc of live) killGroup(proc.pid, 'SIGKILL');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ManagedProcess {
  installExitHook();
  const keepLines = options.keepLines ?? 200;
  const lines: string[] = [];
  const remember = (line: string): void => {
    lines.push(line);
    if (lines.length > keepLines) lines.splice(0, lines.length - keepLines);
    options.onLine?.(line);
  };

  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    detached: true, // own process group: stop() reaches grandchildren, Ctrl-C reaches us first
    stdio: options.inheritStdio ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });

  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) remember(line);
    });
    stream.on('end', () => {
      if (partial !== '') remember(partial);
      partial = '';
    });
  }

  let done = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('error', (error) => {
      remember(`${name}: ${error.message}`);
      done = true;
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });

  const proc: ManagedProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    hasExited: () => done,
    tail: (count = 30) => lines.slice(-count).join('\n'),
    async stop({ signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
      if (done || proc.pid < 0) return exited;
      killGroup(proc.pid, signal);
      const timer = setTimeout(() => killGroup(proc.pid, 'SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (proc.pid > 0) {
    live.add(proc);
    void exited.then(() => {
      live.delete(proc);
      // the leader is gone; make sure nothing it left behind in its group lingers
      killGroup(proc.pid, 'SIGKILL');
    });
  }
  return proc;
}

/** Runs a command to completion, returning its exit code and output. */
export async function run(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ code: number | null; output: string; proc: ManagedProcess }> {
  const proc = spawnManaged(name, command, args, { keepLines: 400, ...options });
  const { code } = await proc.exited;
  return { code, output: proc.tail(400), proc };
}

export function describeExit({ code, signal }: ProcessExit): string {
  if (signal) return `was killed by ${signal}`;
  if (code === null) return 'could not be started';
  return `exited with code ${code}`;
}

export class StartupError extends Error {}

/**
 * Polls `ready` until it returns true. Fails with the tail of the process's output when the
 * process exits first or the timeout passes.
 */
export async function waitUntilReady(
  proc: ManagedProcess | null,
  what: string,
  ready: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc?.hasExited()) {
      const exit = await proc.exited;
      throw new StartupError(
        `${what} ${describeExit(exit)} before it was ready.${formatTail(proc)}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new StartupError(
        `${what} was not ready after ${Math.round(timeoutMs / 1000)}s.${proc ? formatTail(proc) : ''}`,
      );
    }
    await delay(intervalMs);
  }
}

export function formatTail(proc: ManagedProcess, lines = 30): string {
  const tail = proc.tail(lines).trim();
  return tail === '' ? ` It printed nothing.` : `\nLast output of ${proc.name}:\n${indent(tail)}`;
}

export function indent(text: string, prefix = '  | '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * A free TCP port on `host`: `preferred` when it can be bound, otherwise one the kernel picks.
 * (Another process could take it before we use it; callers start servers right away.)
 */
export async function freePort(host = '127.0.0.1', preferred?: number): Promise<number> {
  if (preferred !== undefined) {
    const port = await tryListen(host, preferred);
    if (port !== null) return port;
  }
  const port = await tryListen(host, 0);
  if (port === null) throw new Error(`no free TCP port on ${host}`);
  return port;
}

function tryListen(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** Formats a duration in milliseconds for progress lines: "850 ms", "12.3 s", "4 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/**
 * Runs cleanups in reverse order of registration, once, on normal completion, on failure and on
 * SIGINT / SIGTERM / SIGHUP. A second signal kills everything at once.
 */
const duplicateSignalWindowMs = 2_000;

export class Lifecycle {
  private readonly cleanups: { name: string; fn: () => Promise<void> }[] = [];
  private stopping: Promise<void> | null = null;
  private signalled: NodeJS.Signals | null = null;

  constructor(private readonly log: (line: string) => void) {}

  /** Registers a cleanup; cleanups run last-registered first. */
  defer(name: string, fn: () => Promise<void>): void {
    this.cleanups.push({ name, fn });
  }

  get interrupted(): NodeJS.Signals | null {
    return this.signalled;
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      while (this.cleanups.length > 0) {
        const { name, fn } = this.cleanups.pop()!;
        try {
          await fn();
        } catch (error) {
          this.log(`could not stop ${name}: ${errorMessage(error)}`);
        }
      }
    })();
    return this.stopping;
  }

  /**
   * Runs `main`, then the cleanups, then exits with main's code (1 when it throws). On a signal
   * the cleanups run at once and the process exits with `exitCodeOnSignal(signal)`.
   */
  run(
    main: (lifecycle: Lifecycle) => Promise<number>,
    exitCodeOnSignal: (signal: NodeJS.Signals) => number,
  ): void {
    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.signalled) {
        // One Ctrl-C often arrives more than once: the terminal signals the whole foreground
        // process group and npm and tsx relay it again. Only a later one means "hurry up".
        if (Date.now() - firstSignalAt < duplicateSignalWindowMs) return;
        this.log(`${signal} again: killing everything now`);
        process.exit(exitCodeOnSignal(signal));
      }
      this.signalled = signal;
      firstSignalAt = Date.now();
      this.log(`${signal} received: stopping (press Ctrl-C again to kill at once)`);
      void this.shutdown().finally(() => process.exit(exitCodeOnSignal(signal)));
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

    main(this).then(
      async (code) => {
        if (this.signalled) return;
        await this.shutdown();
        process.exit(code);
      },
      async (error: unknown) => {
        if (this.signalled) return;
        this.log(error instanceof StartupError ? error.message : errorDetail(error));
        await this.shutdown();
        process.exit(1);
      },
    );
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorDetail(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
