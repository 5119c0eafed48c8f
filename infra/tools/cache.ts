/**
 * The project-local tool cache. Each tool version lives in its own directory under `.tools/`,
 * which only ever appears complete: it is built in a temporary sibling and renamed into place,
 * so an interrupted build leaves at most a temporary directory that a later run sweeps away.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatDuration, run, type SpawnOptions } from '../processes';
import { toolsBinDir, toolsDir } from './paths';

const tmpPrefix = '.tmp-';
/** A temporary build directory older than this belongs to a run that died. */
const abandonedAfterMs = 60 * 60 * 1000;

export type Log = (line: string) => void;

export async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on PATH, or null. */
export async function findOnPath(
  name: string,
  envPath = process.env.PATH ?? '',
): Promise<string | null> {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/** `.tools/<bin>@<version>`: the directory holding one version of one tool. */
export function versionDir(bin: string, version: string): string {
  return path.join(toolsDir, `${bin}@${version}`);
}

/** The cached executable of this tool version, refreshing its `.tools/bin` link; null if absent. */
export async function cachedTool(bin: string, version: string): Promise<string | null> {
  const target = path.join(versionDir(bin, version), bin);
  if (!(await isExecutable(target))) return null;
  return linkIntoBin(bin, target);
}

/**
 * Builds a tool version into a fresh temporary directory with `build`, then moves the directory
 * into the cache in one rename. Returns the `.tools/bin` path of the executable.
 */
export async function buildIntoCache(
  bin: string,
  version: string,
  build: (dir: string) => Promise<void>,
): Promise<string> {
  await fs.mkdir(toolsDir, { recursive: true });
  await sweepAbandoned();
  const tmp = await fs.mkdtemp(path.join(toolsDir, `${tmpPrefix}${bin}@${version}-`));
  try {
    await fs.chmod(tmp, 0o755); // mkdtemp makes it private; the cached tool is for every user
    await build(tmp);
    if (!(await isExecutable(path.join(tmp, bin)))) {
      throw new Error(`the build of ${bin} ${version} produced no executable ${bin}`);
    }
    const final = versionDir(bin, version);
    try {
      await fs.rename(tmp, final);
    } catch (error) {
      // Another run finished the same build first; theirs is as good as ours.
      if (!(await isExecutable(path.join(final, bin)))) throw error;
    }
    return await linkIntoBin(bin, path.join(final, bin));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Points `.tools/bin/<bin>` at `target` (replacing any older link in one rename). */
async function linkIntoBin(bin: string, target: string): Promise<string> {
  await fs.mkdir(toolsBinDir, { recursive: true });
  const link = path.join(toolsBinDir, bin);
  const relative = path.relative(toolsBinDir, target);
  const current = await fs.readlink(link).catch(() => null);
  if (current !== relative) {
    const tmpLink = `${link}${tmpPrefix}${process.pid}`;
    await fs.rm(tmpLink, { force: true });
    await fs.symlink(relative, tmpLink);
    await fs.rename(tmpLink, link);
  }
  return link;
}

async function sweepAbandoned(): Promise<void> {
  const entries = await fs.readdir(toolsDir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(tmpPrefix)) continue;
    const full = path.join(toolsDir, entry);
    const stat = await fs.stat(full).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > abandonedAfterMs) {
      await fs.rm(full, { recursive: true, force: true });
    }
  }
}

/**
 * Runs a long build step, printing a progress line every `everyMs` with the elapsed time and
 * the step's latest output line, and failing with the tail of its output.
 */
export async function runWithProgress(
  what: string,
  command: string,
  args: readonly string[],
  log: Log,
  options: SpawnOptions & { everyMs?: number } = {},
): Promise<void> {
  const started = Date.now();
  let last = '';
  const timer = setInterval(() => {
    const latest = last === '' ? '' : ` (${last.trim().slice(0, 100)})`;
    log(`${what}: still running after ${formatDuration(Date.now() - started)}${latest}`);
  }, options.everyMs ?? 30_000);
  try {
    const result = await run(what, command, args, {
      ...options,
      onLine: (line) => {
        if (line.trim() !== '') last = line;
        options.onLine?.(line);
      },
    });
    if (result.code !== 0) {
      throw new Error(
        `${what} failed (${command} ${args.join(' ')} exited with ${result.code ?? 'a signal'}).\n` +
          result.proc.tail(40),
      );
    }
    log(`${what}: done in ${formatDuration(Date.now() - started)}`);
  } finally {
    clearInterval(timer);
  }
}
