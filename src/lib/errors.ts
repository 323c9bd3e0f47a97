/**
 * The one typed error set. Services throw these; src/http/errors.ts maps them to HTTP
 * statuses and translated messages in one place. Anything else becomes a generic 500.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'out_of_stock'
  | 'merchant_unavailable'
  | 'variant_required'
  | 'idempotency_key_required'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'payment_failed'
  | 'payment_action_required'
  | 'payment_method_unavailable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'csrf_invalid';

const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  out_of_stock: 409,
  merchant_unavailable: 409,
  variant_required: 400,
  idempotency_key_required: 400,
  idempotency_key_reused: 422,
  rate_limited: 429,
  payment_failed: 402,
  // 3-D Secure: the customer authenticates with Stripe.js, then resubmits with the intent (issue 15).
  payment_action_required: 402,
  payment_method_unavailable: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  csrf_invalid: 403,
};

/** A field-level problem: `field` is a dotted path, `message` a message key from src/i18n. */
export interface FieldIssue {
  field: string;
  message: string;
  params?: Record<string, string | number>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Message key in src/i18n (translated at the HTTP edge) and its parameters. */
  readonly messageKey: string;
  readonly params: Record<string, string | number>;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    messageKey?: string,
    opts: { params?: Record<string, string | number>; details?: Record<string, unknown> } = {},
  ) {
    super(`${code}: ${messageKey ?? code}`);
    this.code = code;
    this.status = statusByCode[code];
    this.messageKey = messageKey ?? `error.${code}`;
    this.params = opts.params ?? {};
    this.details = opts.details;
  }
}

export const notFound = (what = 'resource') =>
  new AppError('not_found', 'error.not_found', { params: { what } });

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];
  /** 400 by default; 422 for well-formed input the rules refuse (e.g. an address outside every delivery zone). */
  override readonly status: number;
  constructor(issues: FieldIssue[], opts: { status?: 400 | 422 } = {}) {
    super('validation_failed', 'error.validation_failed', { details: {} });
    this.issues = issues;
    this.status = opts.status ?? 400;
  }
}
