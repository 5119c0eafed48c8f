/** The account gateway on Temporal: start, updates, query and history of `accountWorkflow`. */
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { accountWorkflowId, priceChangeWorkflowId } from '../workflows/ids';
import {
  accountStateQuery,
  attachPaymentMethodUpdate,
  reportActivitySignal,
  changePlanUpdate,
  eraseOnRequestUpdate,
  paymentEventSignal,
  previewChangeUpdate,
  seatsInUseSignal,
  sharedLoginDetectedSignal,
  usageReportedSignal,
  type AccountReport,
  requestCancellationUpdate,
  correctBillingDetailsUpdate,
  stopAccountUpdate,
  type AccountView,
  type AccountWorkflowInput,
  type ChangePlanInput,
  type ChangeQuote,
  type ChangeResult,
  type CommandResult,
  type PaymentEvent,
  type PaymentMethodUpdateInput,
  type PriceChangeInput,
} from '../workflows/messages';
import { addPrepaidCreditUpdate, type PrepaidCreditInput } from '../workflows/credit-messages';
import {
  reactivateAccountUpdate,
  suspendAccountUpdate,
  terminateAccountUpdate,
  type OpsActionInput,
  type ReactivationInput,
} from '../workflows/ops-messages';
import type {
  PriceChangeOutcome,
  PriceChangeWorkflowInput,
} from '../workflows/price-change-messages';
import { InvalidPageTokenError, type AccountGateway, type HistoryPage } from './gateway';

/** The workflow type, by name: the API never imports workflow code. */
export const ACCOUNT_WORKFLOW_TYPE = 'accountWorkflow';

type AccountWorkflow = (input: AccountWorkflowInput) => Promise<unknown>;

/** The PAY-5 fan-out workflow's type, by name. */
export const PRICE_CHANGE_WORKFLOW_TYPE = 'priceChangeWorkflow';

type PriceChangeWorkflow = (input: PriceChangeWorkflowInput) => Promise<PriceChangeOutcome>;

const HISTORY_PAGE_SIZE = 100;

export class TemporalAccountGateway implements AccountGateway {
  constructor(
    private readonly client: Client,
    private readonly options: { readonly taskQueue: string; readonly namespace: string },
  ) {}

  async openAccount(input: AccountWorkflowInput): Promise<void> {
    try {
      await this.client.workflow.start<AccountWorkflow>(ACCOUNT_WORKFLOW_TYPE, {
        workflowId: accountWorkflowId(input.accountId),
        taskQueue: this.options.taskQueue,
        args: [input],
        // A repeated signup finds the running workflow; an account whose workflow has ended
        // (deleted) is never brought back to life by a retry.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }

  attachPaymentMethod(
    accountId: string,
    input: PaymentMethodUpdateInput,
    requestKey: string,
  ): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(attachPaymentMethodUpdate, { args: [input], updateId: requestKey }),
    );
  }

  stopAccount(accountId: string, requestKey: string): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(stopAccountUpdate, { updateId: requestKey }),
    );
  }

  eraseOnRequest(accountId: string, requestKey: string): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(eraseOnRequestUpdate, { updateId: requestKey }),
    );
  }

  requestCancellation(accountId: string, requestKey: string): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(requestCancellationUpdate, { updateId: requestKey }),
    );
  }

  addPrepaidCredit(
    accountId: string,
    input: PrepaidCreditInput,
    requestKey: string,
  ): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(addPrepaidCreditUpdate, { args: [input], updateId: requestKey }),
    );
  }

  correctBillingDetails(accountId: string, requestKey: string): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(correctBillingDetailsUpdate, { updateId: requestKey }),
    );
  }

  suspendAccount(
    accountId: string,
    input: OpsActionInput,
    requestKey: string,
  ): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(suspendAccountUpdate, { args: [input], updateId: requestKey }),
    );
  }

  reactivateAccount(
    accountId: string,
    input: ReactivationInput,
    requestKey: string,
  ): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(reactivateAccountUpdate, { args: [input], updateId: requestKey }),
    );
  }

  terminateAccount(
    accountId: string,
    input: OpsActionInput,
    requestKey: string,
  ): Promise<CommandResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(terminateAccountUpdate, { args: [input], updateId: requestKey }),
    );
  }

  changePlan(accountId: string, input: ChangePlanInput, requestKey: string): Promise<ChangeResult> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(changePlanUpdate, { args: [input], updateId: requestKey }),
    );
  }

  previewChange(accountId: string, input: ChangePlanInput): Promise<ChangeQuote> {
    return this.update(accountId, (handle) =>
      handle.executeUpdate(previewChangeUpdate, { args: [input] }),
    );
  }

  async report(accountId: string, report: AccountReport): Promise<void> {
    const handle = this.handle(accountId);
    switch (report.kind) {
      case 'seats_in_use':
        return handle.signal(seatsInUseSignal, { seatsInUse: report.seatsInUse });
      case 'usage':
        return handle.signal(usageReportedSignal, {
          endUsers: report.endUsers,
          ticketsPerAgent: report.ticketsPerAgent,
        });
      case 'shared_login':
        return handle.signal(sharedLoginDetectedSignal);
    }
  }

  async announcePriceChange(
    change: PriceChangeInput,
    waitMs: number,
  ): Promise<PriceChangeOutcome | null> {
    const workflowId = priceChangeWorkflowId(change.changeId);
    try {
      await this.client.workflow.start<PriceChangeWorkflow>(PRICE_CHANGE_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.options.taskQueue,
        args: [{ change }],
        // A repeated announcement joins the running fan-out; a finished one is not run again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    const result = this.client.workflow.getHandle<PriceChangeWorkflow>(workflowId).result();
    let timer: NodeJS.Timeout | undefined;
    const stillRunning = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
    });
    try {
      return await Promise.race([result, stillRunning]);
    } finally {
      clearTimeout(timer);
    }
  }

  async paymentEvent(accountId: string, event: PaymentEvent): Promise<boolean> {
    try {
      await this.handle(accountId).signal(paymentEventSignal, event);
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async reportActivity(accountId: string): Promise<void> {
    await this.handle(accountId).signal(reportActivitySignal);
  }

  state(accountId: string): Promise<AccountView> {
    return this.handle(accountId).query(accountStateQuery);
  }

  async history(accountId: string, pageToken: Uint8Array | null): Promise<HistoryPage> {
    const workflowId = accountWorkflowId(accountId);
    try {
      const response = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.options.namespace,
        execution: { workflowId },
        maximumPageSize: HISTORY_PAGE_SIZE,
        ...(pageToken ? { nextPageToken: pageToken } : {}),
      });
      const next = response.nextPageToken;
      return {
        events: response.history?.events ?? [],
        nextPageToken: next && next.length > 0 ? next : null,
      };
    } catch (error) {
      const code =
        typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : null;
      // gRPC NOT_FOUND (5): no workflow with this id.
      if (code === 5) throw new WorkflowNotFoundError('Workflow not found', workflowId, undefined);
      // gRPC INVALID_ARGUMENT (3): most likely a page token that is not Temporal's.
      if (code === 3 && pageToken) throw new InvalidPageTokenError();
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.client.workflowService.getSystemInfo({});
  }

  private handle(accountId: string): WorkflowHandle<AccountWorkflow> {
    return this.client.workflow.getHandle<AccountWorkflow>(accountWorkflowId(accountId));
  }

  /**
   * Runs an update. An update sent to a workflow that has ended fails as "not found"; when the
   * workflow does exist, that means the account is closed, and it is refused as such.
   */
  private async update<T>(
    accountId: string,
    send: (handle: WorkflowHandle<AccountWorkflow>) => Promise<T>,
  ): Promise<T> {
    const handle = this.handle(accountId);
    try {
      return await send(handle);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const description = await handle.describe().catch(() => null);
      if (description === null || description.status.name === 'RUNNING') throw error;
      throw new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.create({
          type: 'ACCOUNT_CLOSED',
          message: 'The account has ended; nothing more can be changed or charged.',
          nonRetryable: true,
        }),
      );
    }
  }
}
