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
