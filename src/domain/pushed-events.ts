import type { SourcedEvent } from './chunk';
import {
  consumedAt,
  isSequenceNumber,
  positionOf,
  storedCountOf,
  withKnownTimestamps,
  type SourceCursor,
  type StreamPosition,
} from './cursor';
import type { SubscriptionEvent } from './subscription-message';

/** One Kinesis record's events of one log stream, as the forwarder hands them to the store. */
export interface PushedRecord {
  readonly shardId: string;
  /** Kinesis sequence number: a decimal string of up to 128 digits. */
  readonly sequenceNumber: string;
  readonly logStream: string;
  readonly events: readonly SubscriptionEvent[];
}

/** Where one pushed event came from: its record's shard and sequence number, and its place in that record. */
export interface PushedOrigin {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subIndex: number;
}

/** Ids kept per stream in a position's `recentIds` unless told otherwise. */
export const DEFAULT_RECENT_ID_WINDOW = 256;

/**
 * Orders two Kinesis sequence numbers (negative, 0, positive). They are decimal strings of up to 128
 * digits, far past what a JS number holds exactly: compared by length, then digit by digit.
 */
export function compareSequenceNumbers(a: string, b: string): number {
  if (!isSequenceNumber(a) || !isSequenceNumber(b)) throw new TypeError(`not sequence numbers: ${a}, ${b}`);
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * True when the event at `origin` is at or before where the stream's last stored event came from, on
 * the same shard: (sequenceNumber, subIndex) ≤ the position's. A shard delivers its records in order,
 * so such an event was stored already (a forwarder restart, or Kinesis delivering a record again).
 */
export function isAtOrBefore(position: StreamPosition, origin: PushedOrigin): boolean {
  if (position.shardId !== origin.shardId || position.sequenceNumber === undefined) return false;
  const order = compareSequenceNumbers(origin.sequenceNumber, position.sequenceNumber);
  return order < 0 || (order === 0 && origin.subIndex <= (position.subIndex ?? Number.POSITIVE_INFINITY));
}

/**
 * The highest timestamp among a stream's stored events: -Infinity when none is stored, +Infinity when a cursor
 * written before it was kept does not say (every event is then looked up).
 */
export function maxStoredTimestamp(position: StreamPosition): number {
  if (position.maxTimestamp !== undefined) return position.maxTimestamp;
  return storedCountOf(position) === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * True when an event at `timestamp` whose id is not among the position's recent ids may still be a stored event: its
 * timestamp is not past the highest stored one, and the recent ids do not hold every stored event of its millisecond
 * (they do when it is the last one consumed, and no more events were consumed at it than the window keeps).
 */
export function mayBeStored(position: StreamPosition, timestamp: number): boolean {
  const max = maxStoredTimestamp(position);
  if (timestamp > max) return false;
  if (timestamp < max) return true;
  const atMax = position.lastTimestamp === max ? position.lastTimestampCount : undefined;
  return atMax === undefined || atMax > (position.recentIds?.length ?? 0);
}

/**
 * The stream's position after storing one more event with id `eventId`: its origin (a pushed event;
 * none for an event read from CloudWatch, which leaves the shard fields as they were), the id at the
 * end of `recentIds` (the newest `window` kept), `firstId` when unset, the timestamp pair and the highest
 * timestamp.
 */
export function afterStoredEvent(
  position: StreamPosition,
  event: { readonly eventId: string; readonly timestamp: number; readonly origin?: PushedOrigin },
  window = DEFAULT_RECENT_ID_WINDOW,
): StreamPosition {
  const known = withKnownTimestamps(position);
  const recent = [...(known.recentIds ?? []), event.eventId];
  const max = Math.max(maxStoredTimestamp(known), event.timestamp);
  return {
    ...known,
    ...(Number.isFinite(max) ? { maxTimestamp: max } : {}),
    ...(event.origin ?? {}),
    recentIds: recent.slice(Math.max(0, recent.length - Math.max(1, window))),
    firstId: known.firstId ?? event.eventId,
    ...consumedAt(known, event.timestamp),
  };
}

/** What of a run of pushed records is new for a stored log. */
export interface FreshPushedEvents {
  /** Events to store, in the order given, each with its stream's position just after it (for `buildChunks`). */
  readonly fresh: SourcedEvent[];
  /** Events found stored already (by their origin or their id). */
  readonly duplicates: number;
  /**
   * True when an event could be a stored one that the cursor no longer names (its timestamp is not past the
   * stream's highest stored one, its id not among the recent ones) and no `stored` ids were given: the answer
   * is not final; call again with every id the log holds.
   */
  readonly needsStoredIds: boolean;
}

/**
 * The events of `records` (taken in the order given) not stored yet in a log whose tip carries
 * `cursor`. An event is stored already when its origin is at or before its stream's position on the
 * same shard (see `isAtOrBefore`), when its id is among the stream's `recentIds` or earlier in this very
 * run, or when its id is in `stored` (every id the log holds, when the caller read them). CloudWatch may
 * deliver the same events again in another record, re-batched, at any distance: an event whose timestamp
 * is not past the stream's highest stored timestamp may be such a one, and only `stored` can tell (see
 * `needsStoredIds`). An event past it cannot: a stored event keeps its timestamp.
 */
export function freshPushedEvents(
  cursor: SourceCursor,
  records: readonly PushedRecord[],
  window = DEFAULT_RECENT_ID_WINDOW,
  stored?: ReadonlySet<string>,
): FreshPushedEvents {
  const positions = new Map<string, StreamPosition>();
  const seen = new Map<string, Set<string>>();
  const fresh: SourcedEvent[] = [];
  let duplicates = 0;
  let needsStoredIds = false;
  for (const record of records) {
    const stream = record.logStream;
    let position = positions.get(stream) ?? positionOf(cursor, stream);
    let ids = seen.get(stream);
    if (!ids) {
      ids = new Set(position.recentIds ?? []);
      seen.set(stream, ids);
    }
    record.events.forEach((event, subIndex) => {
      const origin: PushedOrigin = { shardId: record.shardId, sequenceNumber: record.sequenceNumber, subIndex };
      if (isAtOrBefore(position, origin) || ids.has(event.id) || stored?.has(event.id) === true) {
        duplicates++;
        return;
      }
      if (stored === undefined && mayBeStored(position, event.timestamp)) needsStoredIds = true;
      position = afterStoredEvent(position, { eventId: event.id, timestamp: event.timestamp, origin }, window);
      ids.add(event.id);
      fresh.push({
        stream,
        timestamp: event.timestamp,
        message: event.message,
        ...(event.stderr === true ? { stderr: true } : {}),
        eventId: event.id,
        after: position,
      });
    });
    positions.set(stream, position);
  }
  return { fresh, duplicates, needsStoredIds };
}

/**
 * Events read from CloudWatch (with ids) that the seal's proof found missing, to store after a log's tip
 * marked `recovered`, each with its stream's position after it; those whose id is in `stored` or earlier
 * in `events` are left out.
 */
export function freshReadEvents(
  cursor: SourceCursor,
  stream: string,
  events: readonly {
    readonly eventId: string;
    readonly timestamp: number;
    readonly message: string;
    readonly stderr?: boolean;
  }[],
  stored: ReadonlySet<string>,
  window = DEFAULT_RECENT_ID_WINDOW,
): SourcedEvent[] {
  let position = positionOf(cursor, stream);
  const ids = new Set([...stored, ...(position.recentIds ?? [])]);
  const fresh: SourcedEvent[] = [];
  for (const event of events) {
    if (ids.has(event.eventId)) continue;
    ids.add(event.eventId);
    position = afterStoredEvent(position, event, window);
    fresh.push({
      stream,
      timestamp: event.timestamp,
      message: event.message,
      ...(event.stderr === true ? { stderr: true } : {}),
      eventId: event.eventId,
      recovered: true,
      after: position,
    });
  }
  return fresh;
}
