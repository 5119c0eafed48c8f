/** Temporal history events as the client decodes them, for timeline tests. */
import type { RawHistoryEvent } from '../../../api/timeline';

const start = Date.UTC(2026, 10, 22, 10, 0, 0);

function at(secondsAfterStart: number) {
  const ms = start + secondsAfterStart * 1000;
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Things that look like personal data, planted in payloads the timeline must never show. */
export const planted = {
  email: 'planted.person@example.test',
  name: 'Planted Person',
  reason: 'terminated because Planted Person asked',
};

const payload = {
  metadata: { encoding: 'json/plain' },
  data: Buffer.from(JSON.stringify(planted)),
};

/**
 * A signup, a trial timer, an owner attaching a card (PAY-1c: attach, charge, record, receipt,
 * publish) and a refused update, in Temporal's order.
 */
export function accountHistory(): RawHistoryEvent[] {
  let id = 0;
  const e = (seconds: number, event: Omit<RawHistoryEvent, 'eventId' | 'eventTime'>) => ({
    eventId: ++id,
    eventTime: at(seconds),
    ...event,
  });
  const task = (seconds: number): RawHistoryEvent[] => [
    e(seconds, { workflowTaskScheduledEventAttributes: {} }),
    e(seconds, { workflowTaskStartedEventAttributes: {} }),
    e(seconds, { workflowTaskCompletedEventAttributes: {} }),
  ];
  return [
    e(0, {
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'accountWorkflow' },
        input: { payloads: [payload] },
      } as RawHistoryEvent['workflowExecutionStartedEventAttributes'],
    }), // 1
    ...task(0), // 2-4
    e(0, {
      activityTaskScheduledEventAttributes: { activityId: '1', activityType: { name: 'loadPlan' } },
    }), // 5
    e(1, { activityTaskCompletedEventAttributes: { scheduledEventId: 5 } }), // 6
    ...task(1), // 7-9
    e(1, {
      activityTaskScheduledEventAttributes: {
        activityId: '2',
        activityType: { name: 'publishAccount' },
      },
    }), // 10
    e(1, {
      timerStartedEventAttributes: { timerId: '1', startToFireTimeout: { seconds: 14 * 86400 } },
    }), // 11
    e(2, { activityTaskCompletedEventAttributes: { scheduledEventId: 10 } }), // 12
    ...task(2), // 13-15
    ...task(3600), // 16-18
    e(3600, {
      workflowExecutionUpdateAcceptedEventAttributes: {
        acceptedRequest: {
          meta: { updateId: 'owner.attachPaymentMethod:0a1b2c' },
          input: { name: 'attachPaymentMethod', args: { payloads: [payload] } },
        },
      } as RawHistoryEvent['workflowExecutionUpdateAcceptedEventAttributes'],
    }), // 19
    e(3600, {
      activityTaskScheduledEventAttributes: {
        activityId: '3',
        activityType: { name: 'attachPaymentMethod' },
      },
    }), // 20
    e(3601, { activityTaskCompletedEventAttributes: { scheduledEventId: 20 } }), // 21
    ...task(3601), // 22-24
    e(3601, { timerCanceledEventAttributes: { timerId: '1', startedEventId: 11 } }), // 25
    e(3601, {
      activityTaskScheduledEventAttributes: {
        activityId: '4',
        activityType: { name: 'chargeInvoice' },
      },
    }), // 26
    e(3602, {
      activityTaskFailedEventAttributes: {
        scheduledEventId: 26,
        failure: {
          message: `Card of ${planted.name} declined`,
          applicationFailureInfo: { type: 'CARD_DECLINED' },
        },
      } as RawHistoryEvent['activityTaskFailedEventAttributes'],
    }), // 27
    ...task(3602), // 28-30
    e(3602, {
      workflowExecutionUpdateCompletedEventAttributes: {
        acceptedEventId: 19,
        meta: { updateId: 'owner.attachPaymentMethod:0a1b2c' },
        outcome: {
          failure: { message: planted.email, applicationFailureInfo: { type: 'CARD_DECLINED' } },
        },
      } as RawHistoryEvent['workflowExecutionUpdateCompletedEventAttributes'],
    }), // 31
    e(3602, {
      activityTaskScheduledEventAttributes: {
        activityId: '5',
        activityType: { name: 'sendEmail' },
      },
    }), // 32
    e(3603, { activityTaskCompletedEventAttributes: { scheduledEventId: 32 } }), // 33
    e(3700, {
      workflowExecutionSignaledEventAttributes: {
        signalName: 'usageReported',
        input: { payloads: [payload] },
      } as RawHistoryEvent['workflowExecutionSignaledEventAttributes'],
    }), // 34
    ...task(3700), // 35-37
    e(3700, { markerRecordedEventAttributes: { markerName: 'core_patch' } }), // 38
    e(3800, { workflowExecutionTerminatedEventAttributes: { reason: planted.reason } }), // 39
  ];
}
