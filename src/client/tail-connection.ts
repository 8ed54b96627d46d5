import { WebSocket, type RawData } from 'ws';
import type { ErrorBody, EventsFrame, StatusFrame } from '../contract';
import type { TerminalStatus } from '../domain';
import type { TailConnect, TailHandlers, TailOutcome } from './follow-loop';

// A stalled upgrade is abandoned (and retried) after this long.
const HANDSHAKE_TIMEOUT_MS = 10_000;
// More than two server heartbeats (30 s by default) without a ping or a frame: the connection is dead.
const SILENCE_LIMIT_MS = 75_000;

/**
 * One connection of a tail over Node's `ws` (the `connect` of the resume loop in Node): passes each frame's events
 * to `handlers.events` (which throws `TAIL_GAP` on a hole) and resolves with how it ended: the `status` message (sent
 * once the log is sealed), a drop (to resume from), or a refused upgrade. Rejects only when aborted or on a broken
 * message.
 */
export const connectTail: TailConnect = (url: string, handlers: TailHandlers, signal: AbortSignal) => {
  return new Promise<TailOutcome>((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    let settled = false;
    // The server pings every heartbeat: a silent connection (peer gone without a FIN) is dropped
    // and reconnected rather than waited on forever.
    let watchdog: NodeJS.Timeout | undefined;
    const feedWatchdog = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        dropped ??= 'no ping from the server';
        ws.terminate();
      }, SILENCE_LIMIT_MS);
    };
    ws.on('open', () => {
      feedWatchdog();
      handlers.open();
    });
    ws.on('ping', feedWatchdog);
    let result: { status: TerminalStatus; lastIndex: number } | undefined;
    let dropped: string | undefined;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      ws.terminate();
      settle(() => reject(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ws.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      response.on('end', () => {
        const error = parseErrorBody(body);
        settle(() =>
          resolve({
            kind: 'refused',
            status: response.statusCode ?? 0,
            code: error?.code ?? 'HTTP_ERROR',
            message: error?.message ?? `WebSocket upgrade refused with HTTP ${response.statusCode ?? 0}`,
          }),
        );
        request.destroy();
      });
    });
    ws.on('message', (data: RawData) => {
      // Frames already received keep arriving after a failure: none may reach onEvent then.
      if (settled) return;
      feedWatchdog();
      try {
        // Checked field by field: a frame from another version of the API may lack some.
        const message = JSON.parse(data.toString()) as { type?: unknown } & Partial<Omit<EventsFrame, 'type'>> &
          Partial<Omit<StatusFrame, 'type'>>;
        if (message.type === 'events' && Array.isArray(message.events)) handlers.events(message.events);
        else if (message.type === 'status' && typeof message.last_index === 'number' && message.status) {
          result = { status: message.status, lastIndex: message.last_index };
        }
      } catch (error) {
        if ((error as { code?: unknown }).code === 'TAIL_GAP') dropped = (error as Error).message;
        else settle(() => reject(error));
        ws.terminate();
      }
    });
    ws.on('error', (error) => {
      dropped ??= error.message;
    });
    ws.on('close', (code, reason) => {
      const outcome: TailOutcome = result
        ? { kind: 'done', ...result }
        : { kind: 'dropped', reason: dropped ?? `closed with ${code} ${reason.toString()}`.trim() };
      settle(() => resolve(outcome));
    });
  });
};

function parseErrorBody(body: string): { code?: string; message?: string } | undefined {
  try {
    return (JSON.parse(body) as Partial<ErrorBody>).error;
  } catch {
    return undefined;
  }
}
