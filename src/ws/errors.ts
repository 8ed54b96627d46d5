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
