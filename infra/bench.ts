/**
 * `npm run bench [-- --days N]`: the history an account builds when the product reports
 * activity every second (INACT-1, INACT-2), measured, not extrapolated.
 *
 * One paid monthly account runs on Temporal's time-skipping test server with the real account
 * workflow and recording activities. For every simulated second of the period, the product's
 * report goes through the API's own `ActivityCoalescer` (with the simulated clock); whatever
 * the coalescer passes on is signalled to the workflow, and the server's clock moves on window
 * by window. Renewals, receipts and continue-as-new happen as they would in production. At the
 * end every run of the workflow is read back from the server and its events and bytes counted.
 *
 * Prints progress every 30 simulated days, then the totals and per-day figures. Default: 365
 * days (31,536,000 reports). It takes minutes, not seconds: it is a benchmark, not a test.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ACTIVITY_REPORT_WINDOW_MS, ActivityCoalescer } from '../api/activity-coalescer';
import { fakeActivities, teamPlan } from '../tests/workflows/fakes';
import { accountWorkflow } from '../workflows';
import { accountWorkflowId } from '../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
} from '../workflows/messages';
import { DAY_MS } from '../workflows/policy/periods';
import { ephemeralPayloadKeys, PayloadEncryptionPlugin } from './payload-codec';
import { resolveTestServer, toolContext } from './tools';

/** Temporal's default limits for one run's history (the server refuses to grow it past these). */
const HISTORY_EVENT_LIMIT = 51_200;
const HISTORY_BYTES_LIMIT = 50 * 1024 * 1024;

interface RunFigures {
  readonly events: number;
  readonly bytes: number;
  readonly signals: number;
}

function parseDays(argv: readonly string[]): number {
  const index = argv.indexOf('--days');
  if (index < 0) return 365;
  const days = Number(argv[index + 1]);
  if (!Number.isInteger(days) || days < 1 || days > 3660) {
    throw new Error('--days takes a whole number of days between 1 and 3660.');
  }
  return days;
}

/** Every run of the workflow, first to current, following continue-as-new. */
async function runsOf(
  env: TestWorkflowEnvironment,
  workflowId: string,
  firstRunId: string,
): Promise<RunFigures[]> {
  const kind = temporal.api.enums.v1.EventType;
  const runs: RunFigures[] = [];
  let runId: string | null = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    runs.push({
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      signals: events.filter((e) => e.eventType === kind.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        .length,
    });
    runId =
      events.find((e) => e.eventType === kind.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)
        ?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? null;
  }
  return runs;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const days = parseDays(process.argv.slice(2));
  const quiet = new DefaultLogger('WARN');
  Runtime.install({ logger: quiet });
  const testServer = await resolveTestServer(
    toolContext((line) => console.error(`[tools] ${line}`)),
  );
  // Payloads encrypted as on the platform (GDPR-1), so the bytes measured are the bytes stored.
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...(testServer.kind === 'path'
      ? { server: { executable: { type: 'existing-path', path: testServer.path } } }
      : {}),
    plugins: [new PayloadEncryptionPlugin(ephemeralPayloadKeys('bench'))],
  });
  try {
    const taskQueue = 'bench-activity-history';
    const accountId = 'acc_bench_activity_history';
    const activities = fakeActivities();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('../workflows'),
        logger: quiet,
      }),
      activities,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(accountWorkflow, {
        taskQueue,
        workflowId: accountWorkflowId(accountId),
        args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
      });
      await handle.executeUpdate(attachPaymentMethodUpdate, {
        args: [{ paymentMethodId: 'pm_card_visa' }],
      });

      const startedAt = await env.currentTimeMs();
      let simulatedNow = startedAt;
      let signalsSent = 0;
      const coalescer = new ActivityCoalescer(
        async () => {
          await handle.signal(reportActivitySignal);
          signalsSent += 1;
        },
        () => simulatedNow,
      );
      const windowSeconds = ACTIVITY_REPORT_WINDOW_MS / 1000;
      const windows = (days * DAY_MS) / ACTIVITY_REPORT_WINDOW_MS;
      const realStart = Date.now();
      let reports = 0;
      console.error(
        `bench: ${days} simulated days, one activity report per second ` +
          `(${count(days * 86_400)} reports) through the API's coalescer`,
      );
      for (let window = 0; window < windows; window += 1) {
        for (let second = 0; second < windowSeconds; second += 1) {
          simulatedNow = startedAt + (window * windowSeconds + second) * 1000;
          await coalescer.report(accountId);
          reports += 1;
        }
        await env.sleep(ACTIVITY_REPORT_WINDOW_MS);
        const day = ((window + 1) * ACTIVITY_REPORT_WINDOW_MS) / DAY_MS;
        if (Number.isInteger(day) && day % 30 === 0) {
          console.error(
            `  day ${day}: ${count(signalsSent)} signals, ${activities.charges.length} charges, ` +
              `${((Date.now() - realStart) / 1000).toFixed(0)} s real`,
          );
        }
      }

      const view = await handle.query(accountStateQuery);
      const runs = await runsOf(env, handle.workflowId, handle.firstExecutionRunId);
      const events = runs.reduce((sum, run) => sum + run.events, 0);
      const bytes = runs.reduce((sum, run) => sum + run.bytes, 0);
      const signals = runs.reduce((sum, run) => sum + run.signals, 0);
      const largest = runs.reduce((max, run) => (run.events > max.events ? run : max), runs[0]);
      await handle.terminate('benchmark finished');

      console.log(
        [
          `Activity every second for ${days} simulated days ` +
            `(${((Date.now() - realStart) / 1000).toFixed(0)} s real):`,
          `  reports from the product:   ${count(reports)}`,
          `  signals to the workflow:    ${count(signalsSent)} sent, ${count(signals)} in history`,
          `  workflow runs:              ${runs.length} (continue-as-new)`,
          `  history, all runs:          ${count(events)} events, ${mib(bytes)}`,
          `  history per simulated day:  ${(events / days).toFixed(1)} events, ` +
            `${count(bytes / days)} bytes`,
          `  largest run:                ${count(largest.events)} events, ${mib(largest.bytes)} ` +
            `(${((100 * largest.events) / HISTORY_EVENT_LIMIT).toFixed(1)}% of the ` +
            `${count(HISTORY_EVENT_LIMIT)}-event limit, ` +
            `${((100 * largest.bytes) / HISTORY_BYTES_LIMIT).toFixed(2)}% of 50 MiB)`,
          `  renewal charges:            ${activities.charges.length}; ` +
            `status at the end: ${view.status}`,
        ].join('\n'),
      );
    });
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
