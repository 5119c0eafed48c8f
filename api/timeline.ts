/**
 * The account workflow's history as a timeline ops can read: what happened, when, and why.
 *
 * Only names, ids and failure types are shown, never payloads (inputs, results, memo, failure
 * messages or termination reasons), so nothing personal reaches the view even if a payload
 * held it. Workflow-task bookkeeping is not shown but is used to find causes: commands a
 * workflow task produced (timers, activities, update results) are caused by the events that
 * woke the workflow for that task.
 */

/** Protobuf int64s arrive as `Long`s; anything with a decimal `toString` will do. */
export type Int64 = number | { toString(): string };

interface Timestamp {
  readonly seconds?: Int64 | null;
  readonly nanos?: number | null;
}

interface Named {
  readonly name?: string | null;
}

interface FailureInfo {
  readonly applicationFailureInfo?: { readonly type?: string | null } | null;
  readonly timeoutFailureInfo?: object | null;
  readonly canceledFailureInfo?: object | null;
  readonly cause?: FailureInfo | null;
}

interface UpdateMeta {
  readonly updateId?: string | null;
}

/** The parts of a Temporal history event the timeline reads (a structural subset). */
export interface RawHistoryEvent {
  readonly eventId?: Int64 | null;
  readonly eventTime?: Timestamp | null;
  readonly workflowExecutionStartedEventAttributes?: {
    readonly workflowType?: Named | null;
    readonly continuedExecutionRunId?: string | null;
  } | null;
  readonly workflowExecutionCompletedEventAttributes?: object | null;
  readonly workflowExecutionFailedEventAttributes?: {
    readonly failure?: FailureInfo | null;
  } | null;
  readonly workflowExecutionTimedOutEventAttributes?: object | null;
  readonly workflowExecutionCanceledEventAttributes?: object | null;
  readonly workflowExecutionTerminatedEventAttributes?: object | null;
  readonly workflowExecutionContinuedAsNewEventAttributes?: {
    readonly newExecutionRunId?: string | null;
  } | null;
  readonly workflowExecutionSignaledEventAttributes?: {
    readonly signalName?: string | null;
  } | null;
  readonly workflowExecutionUpdateAdmittedEventAttributes?: {
    readonly request?: { readonly meta?: UpdateMeta | null; readonly input?: Named | null } | null;
  } | null;
  readonly workflowExecutionUpdateAcceptedEventAttributes?: {
    readonly acceptedRequest?: {
      readonly meta?: UpdateMeta | null;
      readonly input?: Named | null;
    } | null;
  } | null;
  readonly workflowExecutionUpdateCompletedEventAttributes?: {
    readonly meta?: UpdateMeta | null;
    readonly acceptedEventId?: Int64 | null;
    readonly outcome?: {
      readonly success?: object | null;
      readonly failure?: FailureInfo | null;
    } | null;
  } | null;
  /** Workflow-task bookkeeping: not shown, but a completed task closes a batch of commands. */
  readonly workflowTaskScheduledEventAttributes?: object | null;
  readonly workflowTaskStartedEventAttributes?: object | null;
  readonly workflowTaskCompletedEventAttributes?: object | null;
  readonly workflowTaskFailedEventAttributes?: object | null;
  readonly timerStartedEventAttributes?: {
    readonly timerId?: string | null;
    readonly startToFireTimeout?: Timestamp | null;
  } | null;
  readonly timerFiredEventAttributes?: {
    readonly timerId?: string | null;
    readonly startedEventId?: Int64 | null;
  } | null;
  readonly timerCanceledEventAttributes?: {
    readonly timerId?: string | null;
    readonly startedEventId?: Int64 | null;
  } | null;
  readonly activityTaskScheduledEventAttributes?: {
    readonly activityId?: string | null;
    readonly activityType?: Named | null;
  } | null;
  readonly activityTaskCompletedEventAttributes?: {
    readonly scheduledEventId?: Int64 | null;
  } | null;
  readonly activityTaskFailedEventAttributes?: {
    readonly scheduledEventId?: Int64 | null;
    readonly failure?: FailureInfo | null;
  } | null;
  readonly activityTaskTimedOutEventAttributes?: {
    readonly scheduledEventId?: Int64 | null;
  } | null;
  readonly activityTaskCanceledEventAttributes?: {
    readonly scheduledEventId?: Int64 | null;
  } | null;
  readonly markerRecordedEventAttributes?: { readonly markerName?: string | null } | null;
}

export const timelineKinds = [
  'workflow_started',
  'workflow_continued_as_new',
  'workflow_completed',
  'workflow_failed',
  'workflow_timed_out',
  'workflow_cancelled',
  'workflow_terminated',
  'workflow_task_failed',
  'signal',
  'update_admitted',
  'update_accepted',
  'update_completed',
  'timer_started',
  'timer_fired',
  'timer_cancelled',
  'activity_scheduled',
  'activity_completed',
  'activity_failed',
  'activity_timed_out',
  'activity_cancelled',
  'marker',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

export const activityCategories = [
  'charge',
  'email',
  'state_change',
  'payment_method',
  'invoice',
  'lookup',
  'other',
] as const;
export type ActivityCategory = (typeof activityCategories)[number];

export interface TimelineEntry {
  readonly eventId: number;
  readonly time: string;
  readonly kind: TimelineKind;
  /** For activities: what kind of work it is (a charge, an email, a state change…). */
  readonly category: ActivityCategory | null;
  /** The activity, signal or update name, when there is one. */
  readonly name: string | null;
  readonly summary: string;
  /** What led to this event, when the history says. */
  readonly cause: string | null;
}

interface ActivityWords {
  readonly category: ActivityCategory;
  readonly scheduled: string;
  readonly completed: string;
  readonly failed: string;
}

const activityWords: Record<string, ActivityWords> = {
  chargeInvoice: {
    category: 'charge',
    scheduled: 'Charge of an invoice started',
    completed: 'Charge succeeded',
    failed: 'Charge failed',
  },
  sendEmail: {
    category: 'email',
    scheduled: 'Email to the owner queued',
    completed: 'Email sent',
    failed: 'Email could not be sent',
  },
  publishAccount: {
    category: 'state_change',
    scheduled: 'New account state being published',
    completed: 'Account state published to the read model',
    failed: 'Account state could not be published',
  },
  eraseAccount: {
    category: 'state_change',
    scheduled: "The account's personal data and content being erased (CAN-3)",
    completed: 'Account data erased; the erasure is recorded in the audit log',
    failed: 'Account data could not be erased yet',
  },
  notifyAccountDeleted: {
    category: 'other',
    scheduled: 'The product being told of the deletion (account.deleted webhook)',
    completed: 'The product acknowledged the deletion',
    failed: 'The product did not acknowledge the deletion yet',
  },
  recordAuditEvent: {
    category: 'state_change',
    scheduled: 'An ops action (TERM-1) being recorded in the audit log',
    completed: 'Ops action recorded in the audit log',
    failed: 'Ops action could not be recorded yet',
  },
  attachPaymentMethod: {
    category: 'payment_method',
    scheduled: 'Payment method being attached at the processor',
    completed: 'Payment method attached',
    failed: 'Payment method not attached',
  },
  recordPaidInvoice: {
    category: 'invoice',
    scheduled: 'Paid invoice being recorded',
    completed: 'Paid invoice recorded',
    failed: 'Paid invoice could not be recorded',
  },
  loadPlan: {
    category: 'lookup',
    scheduled: 'Plan terms requested from the catalog',
    completed: 'Plan terms loaded',
    failed: 'Plan terms could not be loaded',
  },
  loadHolidays: {
    category: 'lookup',
    scheduled: 'Holiday calendar requested',
    completed: 'Holiday calendar loaded',
    failed: 'Holiday calendar could not be loaded',
  },
};

function wordsFor(name: string): ActivityWords {
  return (
    activityWords[name] ?? {
      category: 'other',
      scheduled: `Activity ${name} scheduled`,
      completed: `Activity ${name} completed`,
      failed: `Activity ${name} failed`,
    }
  );
}

function int(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const parsed = Number(typeof value === 'number' ? value : value.toString());
  return Number.isFinite(parsed) ? parsed : 0;
}

function millis(ts: Timestamp | null | undefined): number {
  if (!ts) return 0;
  return int(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "14 days", "1.9 days", "30 minutes": the largest unit that fits, to one decimal. */
export function humanDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  const [size, unit] = units.find(([candidate]) => ms >= candidate) ?? [1000, 'second'];
  const count = Math.round((ms / size) * 10) / 10;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The failure type of a failure or of its causes, never its message. */
function failureType(failure: FailureInfo | null | undefined): string | null {
  for (let current = failure; current; current = current.cause) {
    const type = current.applicationFailureInfo?.type;
    if (type) return type;
    if (current.timeoutFailureInfo) return 'TIMEOUT';
    if (current.canceledFailureInfo) return 'CANCELLED';
  }
  return null;
}

function withType(text: string, type: string | null): string {
  return type ? `${text} (${type})` : text;
}

/** Converts one page of history into timeline entries, oldest first. */
export function buildTimeline(events: readonly RawHistoryEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const activityNames = new Map<number, string>();
  const updateNames = new Map<number, string>();
  let wakers: string[] = [];
  let taskCause: string | null = null;

  for (const event of events) {
    const id = int(event.eventId);
    const time = iso(millis(event.eventTime));
    const add = (
      kind: TimelineKind,
      summary: string,
      cause: string | null,
      name: string | null = null,
      category: ActivityCategory | null = null,
    ): void => {
      entries.push({ eventId: id, time, kind, category, name, summary, cause });
    };
    /** Events that wake the workflow are the causes of the next task's commands. */
    const wake = (label: string): void => {
      wakers.push(`${label} (event ${id})`);
    };

    if (event.workflowTaskCompletedEventAttributes) {
      // A task with no waking event was asked for by an update (accepted just below) or by
      // the workflow itself; the cause is unknown until an update says otherwise.
      taskCause = wakers.length > 0 ? wakers.join('; ') : null;
      wakers = [];
      continue;
    }
    if (event.workflowExecutionStartedEventAttributes) {
      const attrs = event.workflowExecutionStartedEventAttributes;
      const from = attrs.continuedExecutionRunId;
      add(
        'workflow_started',
        from
          ? `Workflow continued from run ${from} with its state carried over`
          : `Workflow ${attrs.workflowType?.name ?? ''} started`,
        from ? 'continue-as-new of the previous run' : 'account opened at signup',
      );
      wake(from ? 'new run started' : 'workflow started');
    } else if (event.workflowExecutionSignaledEventAttributes) {
      const name = event.workflowExecutionSignaledEventAttributes.signalName ?? null;
      add('signal', `Signal ${name ?? ''} received`, 'sent from outside', name);
      wake(`signal ${name ?? ''}`.trim());
    } else if (event.workflowExecutionUpdateAdmittedEventAttributes) {
      const request = event.workflowExecutionUpdateAdmittedEventAttributes.request;
      const name = request?.input?.name ?? null;
      add('update_admitted', `Update ${name ?? ''} admitted`, updateCause(request?.meta), name);
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest;
      const name = request?.input?.name ?? null;
      updateNames.set(id, name ?? 'update');
      add('update_accepted', `Update ${name ?? ''} accepted`, updateCause(request?.meta), name);
      // The update's handler runs in this task: what follows was asked for by it.
      taskCause = `update ${name ?? ''} (event ${id})`;
    } else if (event.workflowExecutionUpdateCompletedEventAttributes) {
      const attrs = event.workflowExecutionUpdateCompletedEventAttributes;
      const accepted = int(attrs.acceptedEventId);
      const name = updateNames.get(accepted) ?? null;
      const failure = attrs.outcome?.failure;
      add(
        'update_completed',
        failure
          ? withType(`Update ${name ?? ''} refused`, failureType(failure))
          : `Update ${name ?? ''} completed`,
        accepted ? `update accepted at event ${accepted}` : updateCause(attrs.meta),
        name,
      );
    } else if (event.timerStartedEventAttributes) {
      const attrs = event.timerStartedEventAttributes;
      const duration = millis(attrs.startToFireTimeout);
      add(
        'timer_started',
        `Timer ${attrs.timerId ?? ''} set for ${humanDuration(duration)}, due ${iso(millis(event.eventTime) + duration)}`,
        taskCause,
      );
    } else if (event.timerFiredEventAttributes) {
      const attrs = event.timerFiredEventAttributes;
      add('timer_fired', `Timer ${attrs.timerId ?? ''} fired`, startedAt(attrs.startedEventId));
      wake(`timer ${attrs.timerId ?? ''} fired`);
    } else if (event.timerCanceledEventAttributes) {
      const attrs = event.timerCanceledEventAttributes;
      add('timer_cancelled', `Timer ${attrs.timerId ?? ''} cancelled`, taskCause);
    } else if (event.activityTaskScheduledEventAttributes) {
      const name = event.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity';
      activityNames.set(id, name);
      const words = wordsFor(name);
      add('activity_scheduled', words.scheduled, taskCause, name, words.category);
    } else if (event.activityTaskCompletedEventAttributes) {
      const scheduled = int(event.activityTaskCompletedEventAttributes.scheduledEventId);
      const name = activityNames.get(scheduled) ?? null;
      const words = name ? wordsFor(name) : null;
      add(
        'activity_completed',
        words?.completed ?? 'Activity completed',
        scheduledAt(scheduled),
        name,
        words?.category ?? null,
      );
      wake(`${name ?? 'activity'} completed`);
    } else if (event.activityTaskFailedEventAttributes) {
      const attrs = event.activityTaskFailedEventAttributes;
      const scheduled = int(attrs.scheduledEventId);
      const name = activityNames.get(scheduled) ?? null;
      const words = name ? wordsFor(name) : null;
      add(
        'activity_failed',
        withType(words?.failed ?? 'Activity failed', failureType(attrs.failure)),
        scheduledAt(scheduled),
        name,
        words?.category ?? null,
      );
      wake(`${name ?? 'activity'} failed`);
    } else if (event.activityTaskTimedOutEventAttributes) {
      const scheduled = int(event.activityTaskTimedOutEventAttributes.scheduledEventId);
      const name = activityNames.get(scheduled) ?? null;
      add(
        'activity_timed_out',
        `Activity ${name ?? ''} timed out`,
        scheduledAt(scheduled),
        name,
        name ? wordsFor(name).category : null,
      );
      wake(`${name ?? 'activity'} timed out`);
    } else if (event.activityTaskCanceledEventAttributes) {
      const scheduled = int(event.activityTaskCanceledEventAttributes.scheduledEventId);
      const name = activityNames.get(scheduled) ?? null;
      add(
        'activity_cancelled',
        `Activity ${name ?? ''} cancelled`,
        scheduledAt(scheduled),
        name,
        name ? wordsFor(name).category : null,
      );
      wake(`${name ?? 'activity'} cancelled`);
    } else if (event.markerRecordedEventAttributes) {
      const name = event.markerRecordedEventAttributes.markerName ?? null;
      add('marker', `Marker ${name ?? ''} recorded`, taskCause, name);
    } else if (event.workflowTaskFailedEventAttributes) {
      add('workflow_task_failed', 'A workflow task failed and will be retried', null);
    } else if (event.workflowExecutionContinuedAsNewEventAttributes) {
      const next = event.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId;
      add(
        'workflow_continued_as_new',
        `History handed over to a new run${next ? ` ${next}` : ''}`,
        taskCause,
      );
    } else if (event.workflowExecutionCompletedEventAttributes) {
      add('workflow_completed', 'Workflow completed', taskCause);
    } else if (event.workflowExecutionFailedEventAttributes) {
      const type = failureType(event.workflowExecutionFailedEventAttributes.failure);
      add('workflow_failed', withType('Workflow failed', type), taskCause);
    } else if (event.workflowExecutionTimedOutEventAttributes) {
      add('workflow_timed_out', 'Workflow timed out', null);
    } else if (event.workflowExecutionCanceledEventAttributes) {
      add('workflow_cancelled', 'Workflow cancelled', taskCause);
    } else if (event.workflowExecutionTerminatedEventAttributes) {
      add('workflow_terminated', 'Workflow terminated by an operator', 'terminated from outside');
    }
  }
  return entries.map((entry) => ({ ...entry, summary: entry.summary.replace(/\s+/g, ' ').trim() }));
}

function updateCause(meta: UpdateMeta | null | undefined): string {
  return meta?.updateId ? `request ${meta.updateId}` : 'request';
}

function startedAt(eventId: Int64 | null | undefined): string | null {
  const id = int(eventId);
  return id ? `timer started at event ${id}` : null;
}

function scheduledAt(eventId: number): string | null {
  return eventId ? `scheduled at event ${eventId}` : null;
}
