/**
 * Every error the API answers with, as one table of stable codes, and the one function that
 * turns any thrown error into an RFC 9457 problem document.
 *
 * Workflow refusals arrive as `WorkflowUpdateFailedError`s whose cause is an
 * `ApplicationFailure` with a type from `refusalTypes`; they keep their code and gain the
 * clause that refused them. Anything unrecognised is a 500 whose details stay in the log.
 */
import {
  ApplicationFailure,
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { refusalTypes, type RefusalType } from '../workflows/messages';
import { InvalidPageTokenError } from './gateway';

export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  /** The clause of the terms behind the refusal, when one is. */
  readonly clause?: string;
}

/** The one table of error codes. Codes are stable; titles are for people. */
export const errorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'The request does not have the expected shape' },
  MALFORMED_REQUEST: { status: 400, title: 'The request could not be read' },
  AGE_NOT_CONFIRMED: {
    status: 400,
    title: 'The account holder must confirm being 18 or older',
    clause: 'ACCT-1',
  },
  INVALID_EMAIL: { status: 400, title: 'A valid email address is required', clause: 'ACCT-1' },
  FULL_NAME_REQUIRED: { status: 400, title: 'The legal full name is required', clause: 'ACCT-1' },
  CARD_DATA_REFUSED: {
    status: 400,
    title: 'Card numbers are never accepted; send a payment processor token instead',
    clause: 'PAY-8',
  },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 400,
    title: 'The Stripe-Signature header is missing or does not match the body',
  },
  WEBHOOK_TIMESTAMP_STALE: {
    status: 400,
    title: 'The webhook signature is older than the replay tolerance',
  },
  INVALID_CURSOR: { status: 400, title: 'The cursor or page token is not one this API issued' },
  UNAUTHENTICATED: { status: 401, title: 'A valid API key is required' },
  FORBIDDEN: { status: 403, title: 'This API key may not do this' },
  NOT_FOUND: { status: 404, title: 'No such route' },
  ACCOUNT_NOT_FOUND: { status: 404, title: 'No such account' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Send the request body as application/json' },
  IDEMPOTENCY_CONFLICT: {
    status: 409,
    title: 'This signup id was already used with different details',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'This Idempotency-Key was already used for a different request',
  },
  UNKNOWN_PLAN: { status: 422, title: 'There is no such plan' },
  CURRENCY_NOT_OFFERED: { status: 422, title: 'The plan is not offered in this currency' },
  SEATS_OUT_OF_RANGE: { status: 422, title: 'The plan does not allow this number of seats' },
  ACCOUNT_CLOSED: {
    status: 409,
    title: 'The account is cancelled; nothing more can be changed or charged',
    clause: 'CAN-2',
  },
  CHARGE_IN_PROGRESS: {
    status: 409,
    title: 'A charge for this account is in progress; try again in a moment',
  },
  CARD_DECLINED: { status: 402, title: 'The payment method was declined' },
  ACCOUNT_SUSPENDED: {
    status: 409,
    title: 'The account is suspended; attach a payment method first',
  },
  CONFIRMATION_REQUIRED: {
    status: 409,
    title: 'This change loses seats in use; confirm what is lost to go ahead',
    clause: 'PAY-4',
  },
  NO_CHANGE: { status: 409, title: 'The requested terms are the current terms' },
  PLAN_FIXED_BY_COUPON: {
    status: 409,
    title: 'A lifetime-deal account keeps its plan',
    clause: 'LTD-4',
  },
  PAYMENT_METHOD_REJECTED: {
    status: 422,
    title: 'The payment processor did not accept this payment method',
  },
  CODE_ALREADY_REDEEMED: {
    status: 409,
    title: 'This code has already been redeemed',
    clause: 'LTD-2',
  },
  REDEMPTION_CLOSED: {
    status: 422,
    title: 'The deadline for redeeming codes of this deal has passed',
    clause: 'LTD-3',
  },
  ACCOUNT_ALREADY_HAS_CODE: {
    status: 409,
    title: 'This owner already holds an account opened with a code; codes do not stack',
    clause: 'LTD-11',
  },
  NOT_A_COUPON_ACCOUNT: {
    status: 409,
    title: 'This account was not opened with a lifetime-deal code',
  },
  COUPON_CODE_UNKNOWN: { status: 404, title: 'No such code', clause: 'LTD-1' },
  CAMPAIGN_NOT_FOUND: { status: 404, title: 'No such coupon campaign' },
  CAMPAIGN_EXISTS: { status: 409, title: 'A campaign with this id exists with other terms' },
  PERSONAL_DATA_ERASED: {
    status: 409,
    title: 'The personal data of this account has been erased; there is nothing left to change',
    clause: 'GDPR-2',
  },
  BILLING_DETAILS_INCOMPLETE: {
    status: 422,
    title: 'The billing details are incomplete',
    clause: 'LTD-7',
  },
  PAYMENT_METHOD_REQUIRED: {
    status: 409,
    title: 'A prepaid credit is paid by the account’s payment method, and it has none',
    clause: 'PAY-11',
  },
  CURRENCY_MISMATCH: {
    status: 422,
    title: 'The credit is not in the account’s currency',
    clause: 'PAY-11',
  },
  PREPAID_CREDIT_ACTIVE: {
    status: 409,
    title: 'The account already has a prepaid credit running',
    clause: 'PAY-11',
  },
  INVALID_CREDIT: {
    status: 422,
    title: 'The credit amount or refund ratio is not valid',
    clause: 'PAY-11',
  },
  INVALID_VAT_ID: {
    status: 422,
    title: 'The VAT id does not have the format of a VAT id of the billing country',
    clause: 'PAY-10',
  },
  BILLING_DETAILS_WINDOW_CLOSED: {
    status: 409,
    title:
      'The latest invoice was issued more than 15 days ago and can no longer be corrected; ' +
      'the new billing details go on the next invoice',
    clause: 'PAY-9',
  },
  NO_INVOICE_TO_CORRECT: {
    status: 409,
    title: 'No invoice has been issued yet; the billing details go on the first one',
    clause: 'PAY-9',
  },
  ALREADY_SUSPENDED: {
    status: 409,
    title: 'The account is already suspended by the vendor',
    clause: 'TERM-1',
  },
  OPS_ACTION_PENDING: {
    status: 409,
    title: 'This action is already announced to the owner; mark it urgent to act at once',
    clause: 'TERM-1',
  },
  TERMINATION_PENDING: {
    status: 409,
    title: "The account's termination is announced; termination is irreversible",
    clause: 'TERM-1',
  },
  NOT_SUSPENDED: {
    status: 409,
    title: 'The account is not suspended by the vendor',
    clause: 'TERM-1',
  },
  SUSPENSION_NOT_LIFTABLE: {
    status: 409,
    title: "This suspension is not the vendor's: only what the owner owes lifts it",
    clause: 'TERM-1',
  },
  RATE_LIMITED: { status: 429, title: 'Too many requests; slow down' },
  TEMPORARILY_UNAVAILABLE: {
    status: 503,
    title: 'A service the API depends on is unavailable; retry with the same Idempotency-Key',
  },
  INTERNAL: { status: 500, title: 'Something went wrong on our side' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

/** Every workflow refusal type has a row in the table (checked by the compiler). */
const _refusalsAreCodes: readonly ErrorCode[] = refusalTypes satisfies readonly RefusalType[];
void _refusalsAreCodes;

/** An error the API raises itself, with its code and a sentence for the caller. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail ?? errorCodes[code].title);
    this.name = 'ApiError';
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  clause?: string;
  requestId?: string;
  errors?: { location: string; pointer: string; message: string }[];
}

export function problemType(code: ErrorCode): string {
  return `urn:billing:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(
  code: ErrorCode,
  detail?: string,
  extra: Partial<Pick<Problem, 'clause' | 'errors'>> = {},
): Problem {
  const spec: ErrorSpec = errorCodes[code];
  const clause = extra.clause ?? spec.clause;
  return {
    type: problemType(code),
    title: spec.title,
    status: spec.status,
    detail: detail ?? spec.title,
    code,
    ...(clause ? { clause } : {}),
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
}

/** Validation rules whose failure is a refusal under a clause rather than a shape error. */
export interface FieldRule {
  readonly field: string;
  readonly code: ErrorCode;
  readonly detail: string;
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

interface FastifyLikeError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly validation?: readonly ValidationIssue[];
  readonly validationContext?: string;
}

/** Fields a validation issue is about: its own path, or the properties it says are missing. */
function fieldsOf(issue: ValidationIssue): string[] {
  const path = issue.instancePath ?? '';
  const top = path.split('/')[1];
  const missing = issue.params?.requiredProperties ?? issue.params?.missingProperty;
  const names = Array.isArray(missing) ? missing : missing === undefined ? [] : [missing];
  return [...(top ? [decodePointer(top)] : []), ...names.map(String)];
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function validationProblem(error: FastifyLikeError, rules: readonly FieldRule[]): Problem {
  const issues = error.validation ?? [];
  const location = error.validationContext ?? 'body';
  if (location === 'body') {
    for (const rule of rules) {
      if (issues.some((issue) => fieldsOf(issue).includes(rule.field))) {
        return problem(rule.code, rule.detail);
      }
    }
  }
  const errors = issues.slice(0, 10).map((issue) => ({
    location,
    pointer: issue.instancePath ?? '',
    message: issue.message ?? 'is not valid',
  }));
  const first = errors[0];
  const detail = first
    ? `${location}${first.pointer} ${first.message}`
    : `The ${location} is not valid`;
  return problem('VALIDATION_FAILED', detail, { errors });
}

const CLAUSE_ID = /^[A-Z]+-\d+[a-z]?$/;

/**
 * The clause an `ApplicationFailure` names: in its first detail (`{ clause }`), or at the end
 * of its message ("… (CAN-2)").
 */
function clauseOf(failure: ApplicationFailure): string | undefined {
  const first: unknown = failure.details?.[0];
  if (typeof first === 'object' && first !== null && 'clause' in first) {
    const clause = first.clause;
    if (typeof clause === 'string' && CLAUSE_ID.test(clause)) return clause;
  }
  const trailing = /\(([A-Z]+-\d+[a-z]?)\)\s*$/.exec(failure.message);
  return trailing?.[1];
}

function isRefusal(type: string | null | undefined): type is RefusalType {
  return typeof type === 'string' && (refusalTypes as readonly string[]).includes(type);
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const cause = error instanceof ServiceError ? error.cause : error;
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server could not be reached in time.
  if (!isGrpcServiceError(cause)) return false;
  const code: number = cause.code;
  return code === 14 || code === 4;
}

export interface Classified {
  readonly problem: Problem;
  /** True for 5xx: log the error with its stack, tell the caller nothing more. */
  readonly internal: boolean;
}

/** Turns anything thrown while serving a request into the problem document to answer with. */
export function classify(error: unknown, rules: readonly FieldRule[] = []): Classified {
  if (error instanceof ApiError) {
    const extra = error.extensions as Partial<Pick<Problem, 'clause' | 'errors'>>;
    return { problem: problem(error.code, error.message, extra), internal: false };
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const failure = error.cause;
    if (isRefusal(failure.type)) {
      const clause = clauseOf(failure);
      return {
        problem: problem(failure.type, failure.message || undefined, clause ? { clause } : {}),
        internal: false,
      };
    }
  }
  if (error instanceof InvalidPageTokenError) {
    return { problem: problem('INVALID_CURSOR'), internal: false };
  }
  if (error instanceof WorkflowNotFoundError) {
    return { problem: problem('ACCOUNT_NOT_FOUND'), internal: false };
  }
  if (isUnavailable(error)) {
    return { problem: problem('TEMPORARILY_UNAVAILABLE'), internal: true };
  }
  const fastify = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (fastify.validation) return { problem: validationProblem(fastify, rules), internal: false };
  const status = fastify.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    switch (status) {
      case 413:
        return { problem: problem('PAYLOAD_TOO_LARGE'), internal: false };
      case 415:
        return { problem: problem('UNSUPPORTED_MEDIA_TYPE'), internal: false };
      case 429:
        return { problem: problem('RATE_LIMITED'), internal: false };
      default:
        return { problem: problem('MALFORMED_REQUEST'), internal: false };
    }
  }
  return { problem: problem('INTERNAL'), internal: true };
}
