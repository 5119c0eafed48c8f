/**
 * INACT-1 at scale: the product reports activity every second, and the account workflow's
 * history must stay bounded. This sends one `reportActivity` signal per simulated second for
 * a simulated period on the time-skipping server (each second's signal is processed before the
 * clock moves on, the worst case: no two signals share a workflow task), then reads every run's
 * raw history from the server and prints events and bytes per simulated hour and, extrapolated, per day.
 *
 * A simulated day at 1/s is 86,400 signals: too slow to send for real in a test; the per-day
 * figures printed are an extrapolation from the period measured, and say so.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { accountWorkflow } from '../../workflows';
import { accountWorkflowId } from '../../workflows/ids';
import { accountStateQuery, reportActivitySignal } from '../../workflows/messages';
import { startTimeSkipping } from '../support/time-skipping';
import { fakeActivities, teamPlan } from './fakes';

/**
 * 15 simulated minutes keep the suite quick on a shared machine. Run once with 3,600 (an hour):
 * 3,600 signals, 14,418 events and 979,800 bytes in 2 runs (10,007 + 4,411 events), 4.00 events
 * and 272 bytes per signal, no timer fired; extrapolated to a day at 1/s: ~342,000 events,
 * ~22 MiB, ~35 runs. The API's coalescing (api/activity-coalescer.ts) cuts a busy account to
 * one signal per 15 minutes: ~96 signals, ~384 events, ~26 KB a day (extrapolated).
 */
const SIMULATED_SECONDS = 900;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkipping();
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

interface RunFigures {
  readonly runId: string;
  readonly events: number;
  readonly bytes: number;
  readonly signals: number;
  readonly timersFired: number;
}

/** Every run of the workflow, first to current, following continue-as-new. */
async function runsOf(workflowId: string, firstRunId: string): Promise<RunFigures[]> {
  const runs: RunFigures[] = [];
  let runId: string | null = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const kind = temporal.api.enums.v1.EventType;
    runs.push({
      runId,
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      signals: events.filter((e) => e.eventType === kind.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        .length,
      timersFired: events.filter((e) => e.eventType === kind.EVENT_TYPE_TIMER_FIRED).length,
    });
    const next: string | null | undefined = events.find(
      (e) => e.eventType === kind.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    )?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    runId = next ?? null;
  }
  return runs;
}

test('INACT-1: activity every second for 15 simulated minutes keeps the history bounded', async () => {
  const taskQueue = 'activity-history';
  const accountId = 'acc_activity_history';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
    }),
    activities: fakeActivities(),
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountWorkflow, {
      taskQueue,
      workflowId: accountWorkflowId(accountId),
      args: [{ accountId, plan: teamPlan, seats: 2, cycle: 'monthly' }],
    });
    const startedAt = await env.currentTimeMs();
    const realStart = Date.now();
    for (let second = 0; second < SIMULATED_SECONDS; second += 1) {
      await handle.signal(reportActivitySignal);
      await env.sleep(1_000);
    }
    const view = await handle.query(accountStateQuery);
    const simulatedMs = (await env.currentTimeMs()) - startedAt;
    const realMs = Date.now() - realStart;

    const runs = await runsOf(handle.workflowId, handle.firstExecutionRunId);
    const events = runs.reduce((sum, run) => sum + run.events, 0);
    const bytes = runs.reduce((sum, run) => sum + run.bytes, 0);
    const signals = runs.reduce((sum, run) => sum + run.signals, 0);
    const timersFired = runs.reduce((sum, run) => sum + run.timersFired, 0);
    const hours = simulatedMs / 3_600_000;
    const perHour = { events: events / hours, bytes: bytes / hours };
    process.stdout.write(
      [
        `activity history: ${signals} signals over ${(simulatedMs / 1000).toFixed(0)} simulated seconds ` +
          `(${(realMs / 1000).toFixed(1)} s real)`,
        `  runs: ${runs.length}; per run: ${runs.map((r) => `${r.events} events / ${r.bytes} bytes`).join(', ')}`,
        `  total: ${events} events, ${bytes} bytes; ${(events / signals).toFixed(2)} events and ` +
          `${(bytes / signals).toFixed(0)} bytes per signal; timers fired: ${timersFired}`,
        `  per simulated hour (measured): ${perHour.events.toFixed(0)} events, ${(perHour.bytes / 1024).toFixed(0)} KiB`,
        `  per simulated day (extrapolated x24): ${(perHour.events * 24).toFixed(0)} events, ` +
          `${((perHour.bytes * 24) / 1024 / 1024).toFixed(1)} MiB, ~${Math.ceil((perHour.events * 24) / 10_000)} runs`,
        '',
      ].join('\n'),
    );

    // Every signal was kept, and the inactivity clock is at the last one.
    expect(signals).toBe(SIMULATED_SECONDS);
    expect(Date.parse(view.lastActivityAt)).toBeGreaterThanOrEqual(startedAt + simulatedMs - 2_000);
    // No timer fired for activity: the loop was never woken to recompute anything.
    expect(timersFired).toBe(0);
    // Each signal costs at most one workflow task (signalled, scheduled, started, completed).
    expect(events / signals).toBeLessThanOrEqual(4.1);
    // No run grows past the hand-over threshold by more than one task's worth of events.
    expect(Math.max(...runs.map((r) => r.events))).toBeLessThanOrEqual(10_100);
    await handle.terminate('measured');
  });
}, 900_000);
