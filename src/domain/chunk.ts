import { advanceCursor, positionOf, storedCountOf, type SourceCursor, type StreamPosition } from './cursor';
import type { LogEvent } from './log-event';

/** An event read from the source, with the stream position just after it. */
export interface SourcedEvent extends LogEvent {
  readonly stream: string;
  readonly after: StreamPosition;
}

/** An event as read from one stream, with the time the source took it in. */
export interface ArrivedEvent extends SourcedEvent {
  readonly ingestionTime: number;
}

/** Merges per-stream reads in arrival (ingestion) order, keeping each stream's own order. */
export function mergeByArrival(streams: readonly (readonly ArrivedEvent[])[]): SourcedEvent[] {
  const heads = streams.map(() => 0);
  const merged: SourcedEvent[] = [];
  for (;;) {
    let best = -1;
    let bestTime = Number.POSITIVE_INFINITY;
    for (let s = 0; s < streams.length; s++) {
      const candidate = streams[s]?.[heads[s] ?? 0];
      if (candidate && candidate.ingestionTime < bestTime) {
        best = s;
        bestTime = candidate.ingestionTime;
      }
    }
    const event = best >= 0 ? streams[best]?.[heads[best] ?? 0] : undefined;
    if (!event) return merged;
    merged.push({
      stream: event.stream,
      timestamp: event.timestamp,
      message: event.message,
      ...(event.stderr === true ? { stderr: true } : {}),
      after: event.after,
    });
    heads[best] = (heads[best] ?? 0) + 1;
  }
}

/** Consecutive events `seq..last` of one log, stored as one item, with the cursor after `last`. */
export interface LogChunk {
  readonly seq: number;
  readonly last: number;
  readonly events: readonly LogEvent[];
  readonly cursor: SourceCursor;
}

/** Bounds on one chunk, chosen well inside DynamoDB's 400 KB item limit. */
export interface ChunkLimits {
  /** Upper bound on the summed UTF-8 size of a chunk's messages (one larger event still gets a chunk alone). */
  readonly maxBytes: number;
  readonly maxEvents: number;
}

/** Defaults: about 200 KB of text per chunk, which compresses to a small fraction of the 400 KB item limit. */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxBytes: 200 * 1024, maxEvents: 8000 };

// Fixed per-event overhead counted with each message (timestamp and framing).
const EVENT_OVERHEAD_BYTES = 16;

/** UTF-8 size of an event as counted against a chunk's bound (its CloudWatch id included, when it has one). */
export function eventSize(event: LogEvent): number {
  return utf8Length(event.message) + EVENT_OVERHEAD_BYTES + (event.eventId === undefined ? 0 : event.eventId.length);
}

/**
 * Splits events read after `cursor` into chunks starting at index `firstIndex`; each chunk carries
 * the cursor just after its last event, so a writer can resume from any chunk. The cursor counts each
 * stream's stored events (`count`, left unknown where the cursor did not know it).
 */
export function buildChunks(
  firstIndex: number,
  cursor: SourceCursor,
  events: readonly SourcedEvent[],
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): LogChunk[] {
  const chunks: LogChunk[] = [];
  let current: LogEvent[] = [];
  let bytes = 0;
  let moves = new Map<string, StreamPosition>();
  let chunkCursor = cursor;
  let next = firstIndex;
  const counts = new Map<string, number | undefined>();
  const close = (): void => {
    chunkCursor = advanceCursor(chunkCursor, moves);
    chunks.push({ seq: next, last: next + current.length - 1, events: current, cursor: chunkCursor });
    next += current.length;
    current = [];
    bytes = 0;
    moves = new Map();
  };
  for (const event of events) {
    const size = eventSize(event);
    if (current.length > 0 && (bytes + size > limits.maxBytes || current.length >= limits.maxEvents)) close();
    current.push(storedEvent(event));
    bytes += size;
    const before = counts.has(event.stream)
      ? counts.get(event.stream)
      : storedCountOf(positionOf(cursor, event.stream));
    const count = before === undefined ? undefined : before + 1;
    counts.set(event.stream, count);
    moves.set(event.stream, withCount(event.after, count));
  }
  if (current.length > 0) close();
  return chunks;
}

/** The position with `count` set, or without any when the count is unknown. */
function withCount(position: StreamPosition, count: number | undefined): StreamPosition {
  if (count !== undefined) return { ...position, count };
  if (position.count === undefined) return position;
  const copy: { -readonly [K in keyof StreamPosition]: StreamPosition[K] } = { ...position };
  delete copy.count;
  return copy;
}

/** The fields of an event that a chunk stores. */
function storedEvent(event: SourcedEvent): LogEvent {
  return {
    timestamp: event.timestamp,
    message: event.message,
    stream: event.stream,
    ...(event.stderr === true ? { stderr: true } : {}),
    ...(event.eventId === undefined ? {} : { eventId: event.eventId }),
    ...(event.recovered === true ? { recovered: true } : {}),
  };
}

/** Exact UTF-8 size of a string. */
export function utf8Length(text: string): number {
  // Counted by hand: the domain runs inside workflow code too, where Buffer does not exist.
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3; // including a lone surrogate, which UTF-8 encoding turns into U+FFFD
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
