/**
 * Schema migrations: plain SQL files in `infra/db/migrations/`, each with `-- Up Migration` and
 * `-- Down Migration` sections, applied in file-name order by node-pg-migrate. Safe to run
 * concurrently (an advisory lock serialises runners) and repeatedly (applied files are skipped).
 */
import path from 'node:path';

export const migrationsDir = path.join(__dirname, 'migrations');
export const migrationsTable = 'pgmigrations';

export type MigrationDirection = 'up' | 'down';

export interface MigrateOptions {
  direction?: MigrationDirection;
  /** How many migrations to apply (up) or revert (down); all pending ones by default for up. */
  count?: number;
}

/** Applies every pending migration to the database at `databaseUrl`. */
export async function migrate(
  databaseUrl: string,
  log: (line: string) => void,
  options: MigrateOptions = {},
): Promise<void> {
  // node-pg-migrate is ESM-only; load it lazily so that importing this module stays cheap.
  const { runner } = await import('node-pg-migrate');
  const direction = options.direction ?? 'up';
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    migrationsTable,
    direction,
    count: options.count, // node-pg-migrate's defaults: every pending one up, the last one down
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: () => undefined, // the runner echoes every statement; we report per file instead
  });
  const verb = direction === 'up' ? 'applied' : 'reverted';
  if (applied.length === 0) {
    log(`migrations: schema is up to date (${migrationsDir})`);
  } else {
    for (const migration of applied) log(`migrations: ${verb} ${migration.name}`);
  }
}
