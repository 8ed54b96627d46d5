import { LogstreamError } from '../domain';

/** An error that maps to an HTTP status; everything the API throws becomes one in `toErrorResponse`. */
export class HttpError extends LogstreamError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 502 | 503,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

const STATUS_BY_CODE: Readonly<Record<string, HttpError['status']>> = {
  INVALID_INPUT: 400,
  EXECUTION_NOT_FOUND: 404,
  EXECUTION_EXISTS: 409,
  EXECUTION_COMPLETED: 409,
  // The log is sealed: nothing can be appended to it.
  LOG_SEALED: 409,
  // The log will never be sealed (its workflow is gone): only an unsealed CloudWatch read exists.
  LOG_NOT_SEALED: 409,
  // The stored copy has a hole (an expired or missing chunk): retry, or read it from CloudWatch.
  LOG_GAP: 503,
  DYNAMODB_UNAVAILABLE: 503,
  CLOUDWATCH_UNAVAILABLE: 503,
  TEMPORAL_UNAVAILABLE: 503,
};

/** The JSON error body and status for any thrown value; unknown errors become a 500 without internals. */
export function toErrorResponse(error: unknown): { status: HttpError['status']; body: ErrorBody } {
  if (error instanceof HttpError) return { status: error.status, body: body(error.code, error.message) };
  if (error instanceof LogstreamError) {
    const status = STATUS_BY_CODE[error.code];
    if (status) return { status, body: body(error.code, error.message) };
  }
  return { status: 500, body: body('INTERNAL', 'internal error') };
}

/** The shape of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Close codes of the WebSocket tail besides the standard ones. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  internalError: 1011,
  /** The consumer read too slowly; it may reconnect from its last index. */
  slowConsumer: 4008,
  /** The log will never be sealed (its workflow is gone): read it from `/logs`, which says `"sealed": false`. */
  notSealed: 4010,
} as const;

const CLOSE_BY_CODE: Readonly<Record<string, { readonly code: number; readonly reason?: string }>> = {
  LOG_NOT_SEALED: { code: CLOSE_CODES.notSealed, reason: 'workflow ended before the seal; read /logs (sealed: false)' },
  TAIL_HUB_CLOSED: { code: CLOSE_CODES.goingAway },
};

/** The close frame a tail that fails with `error` ends with; the reason starts with the error's code. */
export function toCloseFrame(error: LogstreamError): { code: number; reason: string } {
  const known = CLOSE_BY_CODE[error.code];
  return { code: known?.code ?? CLOSE_CODES.internalError, reason: `${error.code}: ${known?.reason ?? error.message}` };
}
