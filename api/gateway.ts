/**
 * The narrow interface between the API and the account workflow. The Temporal implementation
 * lives in `temporal-gateway.ts`; tests give a fake.
 *
 * Failures are the Temporal client's own: a refused command throws `WorkflowUpdateFailedError`
 * with an `ApplicationFailure` cause whose type is a refusal type, an unknown account throws
 * `WorkflowNotFoundError`. `errors.ts` maps them in one place.
 */
import type {
  AccountReport,
  AccountView,
  AccountWorkflowInput,
  ChangePlanInput,
  ChangeQuote,
  ChangeResult,
  CommandResult,
  PaymentEvent,
  PaymentMethodUpdateInput,
  PriceChangeInput,
} from '../workflows/messages';
import type { PrepaidCreditInput } from '../workflows/credit-messages';
import type { OpsActionInput, ReactivationInput } from '../workflows/ops-messages';
import type { PriceChangeOutcome } from '../workflows/price-change-messages';
import type { RawHistoryEvent } from './timeline';

/** A history page token that Temporal did not accept. */
export class InvalidPageTokenError extends Error {
  constructor() {
    super('The page token is not valid for this history');
    this.name = 'InvalidPageTokenError';
  }
}

export interface HistoryPage {
  readonly events: readonly RawHistoryEvent[];
  /** Opaque token for the next page, or null at the end of the history. */
  readonly nextPageToken: Uint8Array | null;
}

export interface AccountGateway {
  /** Starts the account's workflow; starting an existing one is not an error. */
  openAccount(input: AccountWorkflowInput): Promise<void>;
  /** `requestKey` becomes the update id: the same key never acts twice. */
  attachPaymentMethod(
    accountId: string,
    input: PaymentMethodUpdateInput,
    requestKey: string,
  ): Promise<CommandResult>;
  stopAccount(accountId: string, requestKey: string): Promise<CommandResult>;
  /** GDPR-2: the account is stopped and its personal data erased now; the workflow ends. */
  eraseOnRequest(accountId: string, requestKey: string): Promise<CommandResult>;
  requestCancellation(accountId: string, requestKey: string): Promise<CommandResult>;
  /** Adds a prepaid credit, charging its invoice to the account's payment method (PAY-11). */
  addPrepaidCredit(
    accountId: string,
    input: PrepaidCreditInput,
    requestKey: string,
  ): Promise<CommandResult>;
  /**
   * PAY-9: asks the workflow to correct the latest invoice with the billing details now stored;
   * refused with BILLING_DETAILS_WINDOW_CLOSED more than 15 days after its issue.
   */
  correctBillingDetails(accountId: string, requestKey: string): Promise<CommandResult>;
  /** TERM-1: suspends, with notice unless urgent. */
  suspendAccount(
    accountId: string,
    input: OpsActionInput,
    requestKey: string,
  ): Promise<CommandResult>;
  /** TERM-1: lifts an ops suspension, or withdraws an announced one. */
  reactivateAccount(
    accountId: string,
    input: ReactivationInput,
    requestKey: string,
  ): Promise<CommandResult>;
  /** TERM-1: terminates, irreversibly, with notice unless urgent. */
  terminateAccount(
    accountId: string,
    input: OpsActionInput,
    requestKey: string,
  ): Promise<CommandResult>;
  /** Changes plan, seats or cycle (PAY-2a, PAY-2b, PAY-3, PAY-4). */
  changePlan(accountId: string, input: ChangePlanInput, requestKey: string): Promise<ChangeResult>;
  /**
   * Starts the fan-out workflow that tells every account of a plan's new price (PAY-5), or
   * finds the one already started for the change id, and waits up to `waitMs` for it to
   * finish: its outcome, or null while it is still telling accounts (it goes on regardless).
   */
  announcePriceChange(input: PriceChangeInput, waitMs: number): Promise<PriceChangeOutcome | null>;
  /**
   * Passes a payment fact Stripe reported to the account's workflow (a signal); false when no
   * workflow of the account is running. The workflow ignores an event id it has recorded.
   */
  paymentEvent(accountId: string, event: PaymentEvent): Promise<boolean>;
  /** Passes a fact the product reported to the account's workflow (a signal). */
  report(accountId: string, report: AccountReport): Promise<void>;
  /** What `changePlan` would do now; changes and charges nothing. */
  previewChange(accountId: string, input: ChangePlanInput): Promise<ChangeQuote>;
  /** INACT-1: a fire-and-forget signal; the workflow stamps it with its own clock. */
  reportActivity(accountId: string): Promise<void>;
  state(accountId: string): Promise<AccountView>;
  /** One page of the account workflow's history (of its current run). */
  history(accountId: string, pageToken: Uint8Array | null): Promise<HistoryPage>;
  /** Throws when Temporal cannot be reached. */
  ping(): Promise<void>;
}
