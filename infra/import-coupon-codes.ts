/**
 * `npm run coupons:import -- <campaignId> <file>`: imports a campaign's codes from a file (one
 * code per line; blank lines and lines starting with # are skipped) into the database named by
 * DATABASE_URL. Only the hashes are stored; a progress line is printed after every batch.
 */
import { readFile } from 'node:fs/promises';
import { hashCode } from '../api/coupon-codes';
import { PgCouponStore } from '../api/coupon-store';
import { createPool } from './clients';
import { loadConfig } from './config';

async function main(argv: string[]): Promise<void> {
  const [campaignId, file] = argv;
  if (!campaignId || !file) throw new Error('usage: npm run coupons:import -- <campaignId> <file>');
  const { databaseUrl } = loadConfig();
  if (databaseUrl === null) throw new Error('DATABASE_URL is not set.');
  const codes = (await readFile(file, 'utf8'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const pool = createPool(databaseUrl);
  try {
    const started = performance.now();
    const outcome = await new PgCouponStore(pool).importCodes(
      campaignId,
      codes.map(hashCode),
      (done, total) => console.log(`imported ${done}/${total} codes`),
    );
    if (!outcome) throw new Error(`There is no campaign "${campaignId}"; create it first.`);
    const elapsed = Math.round(performance.now() - started);
    console.log(
      `${outcome.imported} codes imported, ${outcome.duplicates} already known, in ${elapsed} ms`,
    );
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
