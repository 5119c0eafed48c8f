/** The PAY-5 fan-out workflow's input and outcome, shared with the API. */
import type { PriceChangeInput } from './messages';

export interface PriceChangeWorkflowInput {
  readonly change: PriceChangeInput;
  /** Carried over continue-as-new: where the next page starts and what was done so far. */
  readonly progress?: PriceChangeProgress;
}

export interface PriceChangeProgress {
  /** The last account id told, or null before the first page. */
  readonly after: string | null;
  /** Account workflows that received the change. */
  readonly notified: number;
  /** Accounts on the plan whose workflow had already ended: nothing left to bill. */
  readonly skipped: number;
}

export interface PriceChangeOutcome {
  readonly changeId: string;
  readonly notified: number;
  readonly skipped: number;
}
