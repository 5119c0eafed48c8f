/** Workflow ids are business keys, so Temporal enforces one live workflow per account. */
export const TASK_QUEUE = 'billing';

export function accountWorkflowId(accountId: string): string {
  return `account:${accountId}`;
}

export function accountIdFromWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith('account:') ? workflowId.slice('account:'.length) : null;
}

/** One coupon workflow per code, keyed by the code's hash (LTD-2). */
export function couponWorkflowId(codeHash: string): string {
  return `coupon:${codeHash}`;
}

/** One fan-out workflow per announced price change (PAY-5), keyed by the change id. */
export function priceChangeWorkflowId(changeId: string): string {
  return `price-change:${changeId}`;
}

/** GDPR-4: one retention timer per ended account. */
export function retentionWorkflowId(accountId: string): string {
  return `retention:${accountId}`;
}
