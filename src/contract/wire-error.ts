import { ERROR_CODES, isErrorCode, type ErrorBody, type ErrorCode, type ErrorCodeEntry } from './error-codes';

/** Seconds a caller refused for rate (`THROTTLED`) is told to wait (`Retry-After`). */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/** A failure as it goes over the wire: its status, its JSON body, and for `THROTTLED` when to come back. */
export interface WireError {
  readonly status: ErrorCodeEntry['status'];
  readonly body: ErrorBody;
  /** Seconds for `Retry-After` (only for a throttled call). */
  readonly retryAfterSeconds?: number;
}

/**
 * The one mapping from a thrown value to the wire, shared by REST and the WebSocket upgrade: an error whose `code` is
 * in the catalogue keeps its code and message, one refused for rate (`throttled: true`) becomes `THROTTLED`, anything
 * else is a 500 `INTERNAL` without internals.
 */
export function toWireError(error: unknown): WireError {
  const { code, message, throttled } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    throttled?: unknown;
  };
  const text = typeof message === 'string' ? message : '';
  if (throttled === true) {
    return { ...wireError('THROTTLED', text), retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS };
  }
  if (isErrorCode(code)) return wireError(code, text);
  return wireError('INTERNAL', 'internal error');
}

function wireError(code: ErrorCode, message: string): WireError {
  return { status: ERROR_CODES[code].status, body: { error: { code, message } } };
}

/**
 * The close frame a tail that fails with `error` ends with: the catalogue's close code for its code (1011 for a code
 * not in it); the reason starts with the error's code.
 */
export function toCloseFrame(error: { readonly code: string; readonly message: string }): {
  code: number;
  reason: string;
} {
  const entry: ErrorCodeEntry | undefined = isErrorCode(error.code) ? ERROR_CODES[error.code] : undefined;
  return {
    code: entry?.close ?? ERROR_CODES.INTERNAL.close,
    reason: `${error.code}: ${entry?.closeReason ?? error.message}`,
  };
}
