// One raw WebSocket tail client of a join wave: records the indexes it receives and the final status.
import { WebSocket, type RawData } from 'ws';
import type { IndexedEvent } from '../../src/domain';
import { parseTailMessage } from './resuming-socket';

/** What one socket of a wave received. */
export interface WaveSocket {
  readonly indexes: number[];
  /** Index of the last event received (`since` before any). */
  readonly lastIndex: number;
  /** The status message, once it arrived. */
  readonly status: { status: string; lastIndex: number } | undefined;
  /** Resolves once the socket is open; rejects when it could not open. */
  readonly opened: Promise<void>;
  /** Resolves with the close code once the socket closed. */
  readonly closed: Promise<number>;
  close(): void;
}

/** Opens a tail socket on `url` (a `websocket_url`), calling `onEvent` with each event as it arrives. */
export function openWaveSocket(url: string, since: number, onEvent?: (event: IndexedEvent) => void): WaveSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const indexes: number[] = [];
  let status: WaveSocket['status'];
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    ws.once('error', reject);
  });
  // Awaited by whoever needs it; a refusal must not surface as an unhandled rejection meanwhile.
  opened.catch(() => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  ws.on('message', (data: RawData) => {
    const message = parseTailMessage(data);
    if (message.type === 'status') status = { status: message.status ?? '', lastIndex: message.last_index ?? -1 };
    for (const event of message.events ?? []) {
      indexes.push(event.index);
      onEvent?.(event);
    }
  });
  return {
    indexes,
    get lastIndex() {
      return indexes[indexes.length - 1] ?? since;
    },
    get status() {
      return status;
    },
    opened,
    closed,
    close: () => ws.close(),
  };
}
