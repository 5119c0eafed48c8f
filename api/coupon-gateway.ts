/**
 * The narrow interface between the API and the coupon side of the workflows, and its Temporal
 * implementation. A redemption starts the code's workflow if it is not running yet (one per
 * code: `coupon:<hash>`) and sends it the redemption as an update; racing redemptions all reach
 * the same workflow, which accepts the first. Failures are the Temporal client's own and are
 * mapped in `errors.ts`.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  billingDetailsProvidedUpdate,
  changeCouponSeatsUpdate,
  couponStateQuery,
  redeemCouponUpdate,
  reportSharedCodeUpdate,
  type CouponView,
  type CouponWorkflowInput,
  type RedemptionResult,
} from '../workflows/coupon-messages';
import { accountWorkflowId, couponWorkflowId } from '../workflows/ids';
import type { AccountWorkflowInput, CommandResult } from '../workflows/messages';

export const COUPON_WORKFLOW_TYPE = 'couponWorkflow';

type CouponWorkflow = (input: CouponWorkflowInput) => Promise<void>;
type AccountWorkflow = (input: AccountWorkflowInput) => Promise<unknown>;

export interface CouponGateway {
  /** Redeems the code for the stored request; `requestId` makes a retry return the same result. */
  redeem(codeHash: string, requestId: string): Promise<RedemptionResult>;
  /** LTD-2: the accounts found to share a code; returns those suspended. */
  reportSharedCode(
    codeHash: string,
    accountIds: readonly string[],
    requestKey: string,
  ): Promise<{ readonly suspended: readonly string[] }>;
  changeSeats(accountId: string, seats: number, requestKey: string): Promise<CommandResult>;
  billingDetailsProvided(accountId: string, requestKey: string): Promise<CommandResult>;
  couponState(accountId: string): Promise<CouponView | null>;
}

export class TemporalCouponGateway implements CouponGateway {
  constructor(
    private readonly client: Client,
    private readonly options: { readonly taskQueue: string },
  ) {}

  async redeem(codeHash: string, requestId: string): Promise<RedemptionResult> {
    const handle = await this.couponWorkflow(codeHash);
    return handle.executeUpdate(redeemCouponUpdate, {
      args: [{ requestId }],
      updateId: `redeem:${requestId}`,
    });
  }

  async reportSharedCode(
    codeHash: string,
    accountIds: readonly string[],
    requestKey: string,
  ): Promise<{ readonly suspended: readonly string[] }> {
    const handle = await this.couponWorkflow(codeHash);
    return handle.executeUpdate(reportSharedCodeUpdate, {
      args: [{ accountIds }],
      updateId: requestKey,
    });
  }

  changeSeats(accountId: string, seats: number, requestKey: string): Promise<CommandResult> {
    return this.account(accountId).executeUpdate(changeCouponSeatsUpdate, {
      args: [{ seats }],
      updateId: requestKey,
    });
  }

  billingDetailsProvided(accountId: string, requestKey: string): Promise<CommandResult> {
    return this.account(accountId).executeUpdate(billingDetailsProvidedUpdate, {
      updateId: requestKey,
    });
  }

  couponState(accountId: string): Promise<CouponView | null> {
    return this.account(accountId).query(couponStateQuery);
  }

  private account(accountId: string): WorkflowHandle<AccountWorkflow> {
    return this.client.workflow.getHandle<AccountWorkflow>(accountWorkflowId(accountId));
  }

  /** The code's workflow, started if it is not running (Temporal allows one per id). */
  private async couponWorkflow(codeHash: string): Promise<WorkflowHandle<CouponWorkflow>> {
    const workflowId = couponWorkflowId(codeHash);
    try {
      return await this.client.workflow.start<CouponWorkflow>(COUPON_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.options.taskQueue,
        args: [{ codeHash }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return this.client.workflow.getHandle<CouponWorkflow>(workflowId);
    }
  }
}
