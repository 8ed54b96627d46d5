import type { WireEvent, WireTerminalStatus } from './rest';

/** Path of the WebSocket tail (`ws://HOST/ws?execution_id=ID&last_index=K&ticket=T`). */
export const TAIL_PATH = '/ws';

/** The query parameters of a tail's URL. */
export const TAIL_QUERY_PARAMS = ['execution_id', 'last_index', 'ticket'] as const;

/** Server → client: the events right after the last ones sent, each exactly once, in order. */
export interface EventsFrame {
  readonly type: 'events';
  readonly events: readonly WireEvent[];
}

/** Server → client: the log is sealed at `last_index`; a normal close (1000) follows. */
export interface StatusFrame {
  readonly type: 'status';
  readonly status: WireTerminalStatus;
  readonly last_index: number;
}

/** Every frame the server sends (JSON text frames). */
export type ServerFrame = EventsFrame | StatusFrame;

/** Client → server: none. The tail is set by its URL; the server ignores what a client sends. */
export type ClientFrame = never;
