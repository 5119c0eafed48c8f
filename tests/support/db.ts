/**
 * Postgres for activity tests: the database given by DATABASE_URL (migrated by the test
 * runner), and fixtures that create accounts with unique ids so that test files can share it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { databaseUrl } from './env';

export type Language = 'en' | 'lt' | 'ro';

/** A pool on the test database, after checking that the schema is there. */
export async function createTestPool(max = 25): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max });
  const found = await pool.query<{ table: string | null }>(
    "SELECT to_regclass('public.invoices')::text AS table",
  );
  if (found.rows[0]?.table == null) {
    await pool.end();
    throw new Error('The test database has no schema: apply infra/db/migrations first.');
  }
  return pool;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface AccountFixture {
  readonly accountId: string;
  readonly email: string;
  readonly fullName: string;
  readonly language: Language;
}

/** An account row and its owner's contact, as signup writes them. */
export async function createAccount(
  pool: pg.Pool,
  options: { language?: Language; fullName?: string; email?: string; withContact?: boolean } = {},
): Promise<AccountFixture> {
  const accountId = uniqueId('acct');
  const language = options.language ?? 'en';
  const fullName = options.fullName ?? 'Ada Lovelace';
  const email = options.email ?? `${accountId}@example.test`;
  await pool.query(
    `INSERT INTO accounts (account_id, signup_id, status, plan_id, seats, cycle, currency)
     VALUES ($1, $2, 'trialing', 'team', 1, 'monthly', 'USD')`,
    [accountId, uniqueId('signup')],
  );
  if (options.withContact ?? true) {
    await pool.query(
      `INSERT INTO account_contacts (account_id, full_name, email, language, age_confirmed_at)
       VALUES ($1, $2, $3, $4, now())`,
      [accountId, fullName, email, language],
    );
  }
  return { accountId, email, fullName, language };
}
