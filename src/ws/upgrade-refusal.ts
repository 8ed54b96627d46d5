import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { toWireError } from '../contract';

/**
 * Answers a refused upgrade as a plain HTTP error with the API's JSON error body (the same mapping as
 * REST), then closes the socket; logs it at a level fitting its status.
 */
export function refuseUpgrade(
  socket: Duplex,
  error: unknown,
  logger: Logger,
  context: { executionId?: string; address: string },
): void {
  // The one error-to-response mapping, shared with REST.
  const { status, body: errorBody, retryAfterSeconds } = toWireError(error);
  const { code } = errorBody.error;
  const details = { ...context, status, code };
  if (status >= 500) logger.warn({ ...details, err: error }, 'WebSocket upgrade failed');
  else if (status === 400 || status === 404) logger.debug(details, 'WebSocket upgrade refused');
  else logger.info(details, 'WebSocket upgrade refused');
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      (retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
