import { buildTimeline, humanDuration, type RawHistoryEvent } from '../../api/timeline';
import { accountHistory, planted } from './support/history';

describe('buildTimeline', () => {
  const entries = buildTimeline(accountHistory());
  const byId = (id: number) => entries.find((entry) => entry.eventId === id);

  it('shows what happened and leaves out workflow-task bookkeeping', () => {
    expect(entries.map((entry) => [entry.eventId, entry.kind])).toEqual([
      [1, 'workflow_started'],
      [5, 'activity_scheduled'],
      [6, 'activity_completed'],
      [10, 'activity_scheduled'],
      [11, 'timer_started'],
      [12, 'activity_completed'],
      [19, 'update_accepted'],
      [20, 'activity_scheduled'],
      [21, 'activity_completed'],
      [25, 'timer_cancelled'],
      [26, 'activity_scheduled'],
      [27, 'activity_failed'],
      [31, 'update_completed'],
      [32, 'activity_scheduled'],
      [33, 'activity_completed'],
      [34, 'signal'],
      [38, 'marker'],
      [39, 'workflow_terminated'],
    ]);
  });

  it('names activities and says what kind of work they are: charge, email, state change', () => {
    expect(byId(26)).toMatchObject({ name: 'chargeInvoice', category: 'charge' });
    expect(byId(27)).toMatchObject({
      name: 'chargeInvoice',
      category: 'charge',
      summary: 'Charge failed (CARD_DECLINED)',
      cause: 'scheduled at event 26',
    });
    expect(byId(32)).toMatchObject({ name: 'sendEmail', category: 'email' });
    expect(byId(12)).toMatchObject({ name: 'publishAccount', category: 'state_change' });
    expect(byId(20)).toMatchObject({ category: 'payment_method' });
  });

  it('gives each command the cause that woke the workflow for it', () => {
    expect(byId(5)?.cause).toBe('workflow started (event 1)');
    expect(byId(11)?.cause).toBe('loadPlan completed (event 6)');
    // PAY-1c: the card is attached because the owner asked, and charged once it is attached.
    expect(byId(20)?.cause).toBe('update attachPaymentMethod (event 19)');
    expect(byId(26)?.cause).toBe('attachPaymentMethod completed (event 21)');
    expect(byId(32)?.cause).toBe('chargeInvoice failed (event 27)');
    expect(byId(31)).toMatchObject({
      name: 'attachPaymentMethod',
      summary: 'Update attachPaymentMethod refused (CARD_DECLINED)',
      cause: 'update accepted at event 19',
    });
    expect(byId(19)?.cause).toBe('request owner.attachPaymentMethod:0a1b2c');
  });

  it('says how long timers run in words', () => {
    expect(humanDuration(14 * 86_400_000)).toBe('14 days');
    expect(humanDuration(14 * 86_400_000 - 5)).toBe('14 days');
    expect(humanDuration(163_793_000)).toBe('1.9 days');
    expect(humanDuration(86_400_000)).toBe('1 day');
    expect(humanDuration(30 * 60_000)).toBe('30 minutes');
    expect(humanDuration(0)).toBe('0 seconds');
  });

  it('says when a timer is due', () => {
    expect(byId(11)?.summary).toBe('Timer 1 set for 14 days, due 2026-12-06T10:00:01.000Z');
    expect(byId(11)?.time).toBe('2026-11-22T10:00:01.000Z');
  });

  it('never shows payloads, failure messages or termination reasons', () => {
    const text = JSON.stringify(entries);
    expect(text).not.toContain(planted.email);
    expect(text).not.toContain(planted.name);
    expect(text).not.toContain('Planted');
  });

  it('reads int64s given as Longs (objects with a decimal toString)', () => {
    const long = (value: number) => ({ toString: () => String(value), low: value, high: 0 });
    const events: RawHistoryEvent[] = [
      {
        eventId: long(7),
        eventTime: { seconds: long(1_800_000_000), nanos: 5_000_000 },
        timerFiredEventAttributes: { timerId: '3', startedEventId: long(4) },
      },
    ];
    expect(buildTimeline(events)).toEqual([
      {
        eventId: 7,
        time: '2027-01-15T08:00:00.005Z',
        kind: 'timer_fired',
        category: null,
        name: null,
        summary: 'Timer 3 fired',
        cause: 'timer started at event 4',
      },
    ]);
  });

  it('reports a continued run and the hand-over to the next one', () => {
    const entries = buildTimeline([
      {
        eventId: 1,
        workflowExecutionStartedEventAttributes: { continuedExecutionRunId: 'run-1' },
      },
      {
        eventId: 9,
        workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'run-3' },
      },
    ]);
    expect(entries.map((entry) => [entry.kind, entry.summary])).toEqual([
      ['workflow_started', 'Workflow continued from run run-1 with its state carried over'],
      ['workflow_continued_as_new', 'History handed over to a new run run-3'],
    ]);
  });

  it('an activity whose scheduling is on an earlier page is still shown', () => {
    const [entry] = buildTimeline([
      { eventId: 40, activityTaskCompletedEventAttributes: { scheduledEventId: 3 } },
    ]);
    expect(entry).toMatchObject({
      kind: 'activity_completed',
      name: null,
      cause: 'scheduled at event 3',
    });
  });
});
