/**
 * The catalog and holiday files: read from disk, refusals typed, edits picked up without a
 * restart (FREE-1).
 */
import { copyFile, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createCatalogActivities, parseCatalog } from '../../activities/catalog';
import { captureLogs, catalogPath, holidaysPath } from './support';

const logger = pino({ level: 'silent' });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'catalog-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('loadPlan resolves a plan of the shipped catalog in a currency', async () => {
  const { loadPlan } = createCatalogActivities({ catalogPath, holidaysPath, logger });
  await expect(loadPlan({ planId: 'team', currency: 'EUR' })).resolves.toEqual({
    planId: 'team',
    name: 'Team',
    currency: 'EUR',
    seatPrice: { monthly: 1700, annual: 16800 },
    trialDays: 14,
    minSeats: 1,
    maxSeats: 50,
  });
});

test('an unknown plan is a non-retryable UNKNOWN_PLAN', async () => {
  const { loadPlan } = createCatalogActivities({ catalogPath, holidaysPath, logger });
  const error = await loadPlan({ planId: 'platinum', currency: 'USD' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'UNKNOWN_PLAN', nonRetryable: true });
});

test('PAY-1a: a currency the plan is not offered in is a non-retryable CURRENCY_NOT_OFFERED; a 30-day trial is served as 14', async () => {
  const file = path.join(dir, 'catalog.json');
  await writeFile(
    file,
    JSON.stringify({
      plans: [
        {
          planId: 'eu-only',
          name: 'EU only',
          trialDays: 30,
          minSeats: 1,
          maxSeats: 5,
          prices: { EUR: { monthly: 900, annual: 9000 } },
        },
      ],
    }),
  );
  const { loadPlan } = createCatalogActivities({ catalogPath: file, holidaysPath, logger });
  await expect(loadPlan({ planId: 'eu-only', currency: 'USD' })).rejects.toMatchObject({
    type: 'CURRENCY_NOT_OFFERED',
    nonRetryable: true,
  });
  await expect(loadPlan({ planId: 'eu-only', currency: 'EUR' })).resolves.toMatchObject({
    trialDays: 14,
  });
});

test('FREE-1: a price changed in the file is served by the next call, without a restart', async () => {
  const file = path.join(dir, 'catalog.json');
  await copyFile(catalogPath, file);
  const { loadPlan } = createCatalogActivities({ catalogPath: file, holidaysPath, logger });
  expect((await loadPlan({ planId: 'team', currency: 'USD' })).seatPrice.monthly).toBe(1900);

  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('"monthly": 1900', '"monthly": 2100'));
  // Same size, so only the modification time tells the change apart: make it differ for sure.
  const later = new Date(Date.now() + 5000);
  await utimes(file, later, later);

  expect((await loadPlan({ planId: 'team', currency: 'USD' })).seatPrice.monthly).toBe(2100);
});

test('a malformed catalog is an ordinary error, retried until the file is fixed', async () => {
  const file = path.join(dir, 'catalog.json');
  await writeFile(file, JSON.stringify({ plans: [{ planId: 'x', name: 'X', prices: {} }] }));
  const { loadPlan } = createCatalogActivities({ catalogPath: file, holidaysPath, logger });
  const error = await loadPlan({ planId: 'x', currency: 'USD' }).catch((e: unknown) => e);
  expect(error).not.toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ message: expect.stringMatching(/trialDays/) as unknown });

  expect(() => parseCatalog({ plans: 'none' })).toThrow(/plans/);
  expect(() =>
    parseCatalog({
      plans: [
        {
          planId: 'x',
          name: 'X',
          trialDays: 0,
          minSeats: 1,
          maxSeats: 1,
          prices: { USD: { monthly: 9.99, annual: 100 } },
        },
      ],
    }),
  ).toThrow(/integer minor units/);
});

test('CAN-1: loadHolidays returns the calendar of the holidays file', async () => {
  const { loadHolidays } = createCatalogActivities({ catalogPath, holidaysPath, logger });
  const shipped = JSON.parse(await readFile(holidaysPath, 'utf8')) as { holidays: string[] };
  await expect(loadHolidays()).resolves.toEqual(shipped.holidays);

  const file = path.join(dir, 'holidays.json');
  await writeFile(file, JSON.stringify({ holidays: ['2027-12-24', '24.12.2027'] }));
  const broken = createCatalogActivities({ catalogPath, holidaysPath: file, logger });
  await expect(broken.loadHolidays()).rejects.toThrow(/not an ISO date/);
});

test('inside a worker, activity log lines carry the workflow id and attempt', async () => {
  const logs = captureLogs();
  const { loadPlan } = createCatalogActivities({ catalogPath, holidaysPath, logger: logs.logger });
  const unknownPlan: Parameters<typeof loadPlan>[0] = { planId: 'platinum', currency: 'USD' };
  const env = new MockActivityEnvironment({
    workflowExecution: { workflowId: 'account:acct-7', runId: 'run-1' },
    attempt: 3,
  });
  await expect(env.run(loadPlan, unknownPlan)).rejects.toMatchObject({
    type: 'UNKNOWN_PLAN',
  });
  expect(logs.lines).toEqual([
    expect.objectContaining({
      activity: 'loadPlan',
      workflowId: 'account:acct-7',
      attempt: 3,
      code: 'UNKNOWN_PLAN',
    }),
  ]);
});
