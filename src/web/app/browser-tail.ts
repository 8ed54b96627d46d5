/// <reference lib="dom" />
import type { TailConnect, TailOutcome } from '../../client/follow-loop';
import type { EventsFrame, StatusFrame, WireTerminalStatus } from '../../contract';

/**
 * One tail connection over the browser's WebSocket: the `connect` of the client's resume loop in the web app. A
 * browser is not told why an upgrade failed: a refused one (an expired ticket) is a drop, resumed through `/logs`.
 */
export const connectBrowserTail: TailConnect = (url, handlers, signal) =>
  new Promise<TailOutcome>((resolve, reject) => {
    // The API builds ws:// from its Host header; a page served over TLS must use wss://.
    const socket = new WebSocket(location.protocol === 'https:' ? url.replace(/^ws:/, 'wss:') : url);
    let final: { status: WireTerminalStatus; lastIndex: number } | undefined;
    let dropped: string | undefined;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      socket.close(1000);
      settle(() => reject(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.addEventListener('open', () => handlers.open());
    socket.addEventListener('message', (message: MessageEvent<string>) => {
      if (settled) return;
      try {
        // Checked field by field: a frame from another version of the API may lack some.
        const data = JSON.parse(message.data) as { type?: unknown } & Partial<Omit<EventsFrame, 'type'>> &
          Partial<Omit<StatusFrame, 'type'>>;
        if (data.type === 'events' && Array.isArray(data.events)) handlers.events(data.events);
        else if (data.type === 'status' && data.status && typeof data.last_index === 'number') {
          final = { status: data.status, lastIndex: data.last_index };
        }
      } catch (error) {
        // A gap (or a broken frame): drop this connection and resume from the last line held.
        dropped = error instanceof Error ? error.message : String(error);
        socket.close(4000, 'gap');
      }
    });
    socket.addEventListener('close', (event) =>
      settle(() =>
        resolve(
          final && event.code === 1000
            ? { kind: 'done', ...final }
            : { kind: 'dropped', reason: dropped ?? `connection lost (${event.code})` },
        ),
      ),
    );
  });
