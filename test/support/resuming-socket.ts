// A raw WebSocket tail client that does only what the wire contract asks of a client: it records every event frame
// as received (duplicates included, so a test sees them) and, whenever the connection ends before the status
// message, reconnects with `last_index` = the index of the last event it received.
import { WebSocket, type RawData } from 'ws';
import type { LogstreamClient } from '../../src/client/client';
import type { IndexedEvent } from '../../src/domain';

/** A server message of the WebSocket tail, as the wire contract describes it. */
export interface TailMessage {
  readonly type: string;
  readonly events?: IndexedEvent[];
  readonly status?: string;
  readonly last_index?: number;
}

/** Parses one text frame of the tail. */
export function parseTailMessage(data: RawData): TailMessage {
  return JSON.parse(data.toString()) as TailMessage;
}

/** What a resuming socket received. */
export interface ResumingSocket {
  /** Every event received, in arrival order, duplicates included. */
  readonly events: IndexedEvent[];
  /** Connections opened (1 + reconnects). */
  readonly connections: number;
  /** Index of the last event received (0 before any). */
  readonly lastIndex: number;
  /** Resolves with the status message once it arrived and the socket closed; rejects past the deadline. */
  readonly done: Promise<{ status: string; last_index: number }>;
  /** Stops reconnecting and closes the socket. */
  close(): void;
}

const RECONNECT_DELAY_MS = 100;

/**
 * Where a connection after `lastIndex` goes: with API keys, the `websocket_url` (with its ticket) of a fresh `/logs`
 * call; it may throw (the API is restarting), and is asked again.
 */
export type TailUrl = (lastIndex: number) => Promise<string>;

/**
 * Each connection where a fresh `/logs` call says (its `websocket_url`, so a ticket from whichever API node answers
 * it), from the last index received.
 */
export function ticketedUrl(client: Pick<LogstreamClient, 'getHandle'>, executionId: string): TailUrl {
  return async (last) => {
    const url = new URL((await client.getHandle(executionId).logs({ sinceIndex: last, limit: 1 })).websocketUrl ?? '');
    url.searchParams.set('last_index', String(last));
    return url.toString();
  };
}

/**
 * Tails `executionId` from `wsBase` (ws://host:port/ws) from index `since`, reconnecting until the status arrives;
 * `urlFor`, when given, says where each connection goes instead.
 */
export function resumingSocket(
  wsBase: string,
  executionId: string,
  since = 0,
  deadlineMs = 300_000,
  urlFor?: TailUrl,
): ResumingSocket {
  const events: IndexedEvent[] = [];
  let last = since;
  let connections = 0;
  let closed = false;
  let current: WebSocket | undefined;
  const deadline = Date.now() + deadlineMs;
  const done = new Promise<{ status: string; last_index: number }>((resolve, reject) => {
    const connect = (): void => {
      if (closed) return reject(new Error('closed by the test'));
      if (Date.now() > deadline) {
        return reject(new Error(`${executionId}: no status after ${connections} connections, last index ${last}`));
      }
      if (urlFor !== undefined) {
        urlFor(last).then(open, () => setTimeout(connect, RECONNECT_DELAY_MS));
        return;
      }
      open(`${wsBase}?execution_id=${encodeURIComponent(executionId)}&last_index=${last}`);
    };
    const open = (url: string): void => {
      if (closed) return reject(new Error('closed by the test'));
      connections++;
      let status: { status: string; last_index: number } | undefined;
      const ws = new WebSocket(url);
      current = ws;
      ws.on('message', (data: RawData) => {
        const message = parseTailMessage(data);
        if (message.type === 'events') {
          for (const event of message.events ?? []) {
            events.push(event);
            last = event.index;
          }
        } else if (message.type === 'status') {
          status = { status: message.status ?? '', last_index: message.last_index ?? -1 };
        }
      });
      // Refused connections (the API is down or starting) end in 'close' too; that is where we retry.
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (status !== undefined) resolve(status);
        else setTimeout(connect, RECONNECT_DELAY_MS);
      });
    };
    connect();
  });
  // The test awaits `done` eventually; until then a rejection must not count as unhandled.
  done.catch(() => undefined);
  return {
    events,
    get connections() {
      return connections;
    },
    get lastIndex() {
      return last;
    },
    done,
    close: () => {
      closed = true;
      current?.terminate();
    },
  };
}
