import { LogstreamError } from '../domain';

/** HTTP statuses an upgrade request can be refused with. */
export type UpgradeStatus = 400 | 401 | 403 | 404 | 429 | 500 | 503;

/** A WebSocket upgrade refused before the handshake: answered as an HTTP error, then the socket is destroyed. */
export class UpgradeRejectedError extends LogstreamError {
  constructor(
    readonly status: UpgradeStatus,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * The stored log of a completed execution will not be sealed and is not provably complete: a tail
 * cannot end it with a trustworthy `last_index` (`/logs` reads it from CloudWatch instead).
 */
export class LogIncompleteError extends LogstreamError {
  constructor(readonly executionId: string) {
    super('LOG_INCOMPLETE', `stored log of ${executionId} is incomplete and unsealed; read it from /logs`);
  }
}
