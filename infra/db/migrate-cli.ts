/**
 * `npm run migrate [-- up|down [count]]`: migrates the database named by DATABASE_URL.
 */
import { loadConfig } from '../config';
import { migrate, type MigrationDirection } from './migrate';

async function main(argv: string[]): Promise<void> {
  const [directionArg = 'up', countArg] = argv;
  if (directionArg !== 'up' && directionArg !== 'down') {
    throw new Error(`usage: npm run migrate -- [up|down] [count]; got "${directionArg}"`);
  }
  const direction: MigrationDirection = directionArg;
  const count = countArg === undefined ? undefined : Number(countArg);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new Error(`count must be a positive integer, got "${countArg}"`);
  }
  const { databaseUrl } = loadConfig();
  if (databaseUrl === null) {
    throw new Error(
      'DATABASE_URL is not set. `npm start` and `npm test` migrate their own databases; ' +
        'set DATABASE_URL to migrate another one.',
    );
  }
  await migrate(databaseUrl, (line) => console.log(line), { direction, count });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
