import { CLOSE_CODES, type CloseCode } from './close-codes';

/** One failure as the wire carries it: its HTTP status, the close code a WebSocket tail ends with, what it means. */
export interface ErrorCodeEntry {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;
  readonly close: CloseCode;
  readonly meaning: string;
  /** The close frame's reason after `CODE: ` (default: the error's message). */
  readonly closeReason?: string;
}

/**
 * The one catalogue of error codes: every `{"error":{"code"}}` of REST and of a refused WebSocket upgrade, and the
 * reason prefix of a tail's close frame, is a key here. docs/api.md's error table is checked against it.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { status: 400, close: CLOSE_CODES.internalError, meaning: 'A parameter, field or body is malformed.' },
  UNAUTHENTICATED: {
    status: 401,
    close: CLOSE_CODES.internalError,
    meaning: 'No API key (REST) or no valid ticket (WebSocket) where one is required.',
  },
  FORBIDDEN: { status: 403, close: CLOSE_CODES.internalError, meaning: 'The API key is not one of the keys.' },
  FORBIDDEN_ORIGIN: {
    status: 403,
    close: CLOSE_CODES.internalError,
    meaning: 'A browser Origin that may not open tails here.',
  },
  NOT_FOUND: { status: 404, close: CLOSE_CODES.internalError, meaning: 'No route, asset or WebSocket at that path.' },
  EXECUTION_NOT_FOUND: { status: 404, close: CLOSE_CODES.internalError, meaning: 'No execution has that id.' },
  EXECUTION_EXISTS: { status: 409, close: CLOSE_CODES.internalError, meaning: 'An execution with that id exists.' },
  EXECUTION_COMPLETED: {
    status: 409,
    close: CLOSE_CODES.internalError,
    meaning: 'The execution has completed: it takes no more completion or stop.',
  },
  LOG_SEALED: { status: 409, close: CLOSE_CODES.internalError, meaning: 'The log is sealed: nothing can be appended.' },
  LOG_NOT_SEALED: {
    status: 409,
    close: CLOSE_CODES.notSealed,
    closeReason: 'workflow ended before the seal; read /logs (sealed: false)',
    meaning: 'The log will never be sealed (its workflow is gone): read it from `/logs`, which says `"sealed": false`.',
  },
  BODY_TOO_LARGE: { status: 413, close: CLOSE_CODES.internalError, meaning: 'The request body is over 256 KiB.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    close: CLOSE_CODES.internalError,
    meaning: 'The request body is not `application/json`.',
  },
  THROTTLED: {
    status: 429,
    close: CLOSE_CODES.internalError,
    meaning: 'A dependency (CloudWatch, DynamoDB) refused a call for rate: retry after `Retry-After` seconds.',
  },
  TOO_MANY_SOCKETS: {
    status: 429,
    close: CLOSE_CODES.internalError,
    meaning: 'The caller holds the most WebSocket tails allowed (per API key, or per execution).',
  },
  SLOW_CONSUMER: {
    status: 429,
    close: CLOSE_CODES.slowConsumer,
    meaning: 'The tail read too slowly: reconnect with the last index seen.',
  },
  INTERNAL: { status: 500, close: CLOSE_CODES.internalError, meaning: 'An unexpected failure (details in the log).' },
  LOG_GAP: {
    status: 503,
    close: CLOSE_CODES.internalError,
    meaning: 'The stored copy has a hole (an expired or missing chunk): retry, or read it from CloudWatch.',
  },
  DYNAMODB_UNAVAILABLE: {
    status: 503,
    close: CLOSE_CODES.internalError,
    meaning: 'DynamoDB failed or is unreachable.',
  },
  CLOUDWATCH_UNAVAILABLE: {
    status: 503,
    close: CLOSE_CODES.internalError,
    meaning: 'CloudWatch Logs failed or is unreachable.',
  },
  TEMPORAL_UNAVAILABLE: {
    status: 503,
    close: CLOSE_CODES.internalError,
    meaning: 'Temporal failed or is unreachable.',
  },
  SHUTTING_DOWN: { status: 503, close: CLOSE_CODES.goingAway, meaning: 'The server is shutting down.' },
  TAIL_HUB_CLOSED: { status: 503, close: CLOSE_CODES.goingAway, meaning: 'The tail ended as the server shut down.' },
  WEB_APP_NOT_BUILT: { status: 503, close: CLOSE_CODES.internalError, meaning: 'The web app is not built.' },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A code of the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is in the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The shape of every error response (REST, and a refused WebSocket upgrade). */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
