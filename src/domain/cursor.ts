/**
 * Where reading of one log stream resumes: the read that starts after `token` (or, without a token,
 * at the head of the stream, or at `startTime` when given) and how many events of that read were
 * already consumed. An event is identified by its position behind a token, never by its timestamp,
 * so events sharing a millisecond stay distinct. `lastTimestamp` and `lastTimestampCount` name the
 * same place independently of any token: CloudWatch's forward tokens expire (24 h), and a refused
 * token is replaced by a read from `lastTimestamp` that skips the `lastTimestampCount` events at that
 * millisecond already consumed (see `resumeWithoutToken`).
 */
export interface StreamPosition {
  readonly token?: string;
  /** Events of the read (counted from its start, across pages) already consumed. */
  readonly skip: number;
  /** Lower timestamp bound of the read (GetLogEvents `startTime`), set once a refused token was replaced. */
  readonly startTime?: number;
  /** Timestamp of the last event consumed from the stream. */
  readonly lastTimestamp?: number;
  /** How many consumed events of the stream carry `lastTimestamp`; 0 = none consumed yet. Absent in old cursors. */
  readonly lastTimestampCount?: number;
  /**
   * Push ingest (the forwarder): where the stream's last stored event came from, the Kinesis shard, the
   * record's sequence number and the event's place in that record (0-based). A record at or before it on
   * the same shard was stored already (a forwarder restart, or Kinesis delivering a record again).
   */
  readonly shardId?: string;
  readonly sequenceNumber?: string;
  readonly subIndex?: number;
  /**
   * Push ingest: CloudWatch ids of the stream's most recently stored events, oldest first (a bounded
   * window). An event with one of these ids is a duplicate even when it comes in another record
   * (CloudWatch delivering the same events to Kinesis twice).
   */
  readonly recentIds?: readonly string[];
  /** Push ingest: CloudWatch id of the stream's first stored event (the seal's check compares it with CloudWatch's first). */
  readonly firstId?: string;
  /**
   * Push ingest: the highest timestamp among the stream's stored events. An event with a later timestamp cannot be
   * one of them (a stored event keeps its timestamp), so only events at or before it need their id looked up.
   */
  readonly maxTimestamp?: number;
  /**
   * Events of the stream stored so far (kept by `buildChunks`): the seal compares it with the count CloudWatch
   * accepted. Absent in cursors written before it existed, where it is unknown.
   */
  readonly count?: number;
}

/** The ingest cursor: one position per log stream of the execution. */
export interface SourceCursor {
  readonly streams: Readonly<Record<string, StreamPosition>>;
}

const HEAD_POSITION: StreamPosition = { skip: 0 };

/** The cursor before any event was read. */
export function initialCursor(streams: readonly string[]): SourceCursor {
  // Object.fromEntries defines own properties, so even a stream named `__proto__` is a plain key.
  return { streams: Object.fromEntries(streams.map((stream) => [stream, HEAD_POSITION])) };
}

/** The position of a stream in a cursor (the head for a stream it does not know yet). */
export function positionOf(cursor: SourceCursor, stream: string): StreamPosition {
  return Object.hasOwn(cursor.streams, stream) ? (cursor.streams[stream] ?? HEAD_POSITION) : HEAD_POSITION;
}

/** A cursor with some streams moved forward; the others keep their positions. */
export function advanceCursor(cursor: SourceCursor, moves: ReadonlyMap<string, StreamPosition>): SourceCursor {
  if (moves.size === 0) return cursor;
  const positions = new Map(Object.entries(cursor.streams));
  for (const [stream, position] of moves) positions.set(stream, position);
  return { streams: Object.fromEntries(positions) };
}

/**
 * The `lastTimestamp`/`lastTimestampCount` pair of a position after consuming one more event at
 * `timestamp`. A position of an older cursor (no count) learns its count at the first new millisecond.
 */
export function consumedAt(
  position: StreamPosition,
  timestamp: number,
): Pick<StreamPosition, 'lastTimestamp' | 'lastTimestampCount'> {
  const count = position.lastTimestampCount;
  // Unknown count and timestamp: events consumed before may share this millisecond, so it stays unknown.
  const known = count !== undefined || position.lastTimestamp !== undefined;
  if (known && position.lastTimestamp !== timestamp) return { lastTimestamp: timestamp, lastTimestampCount: 1 };
  return count === undefined
    ? { lastTimestamp: timestamp }
    : { lastTimestamp: timestamp, lastTimestampCount: count + 1 };
}

/** The position, with `lastTimestampCount: 0` when it is the untouched head of a stream (nothing consumed). */
export function withKnownTimestamps(position: StreamPosition): StreamPosition {
  const untouched =
    position.lastTimestampCount === undefined &&
    position.token === undefined &&
    position.startTime === undefined &&
    position.skip === 0;
  return untouched ? { ...position, lastTimestampCount: 0 } : position;
}

/**
 * Events of the stream stored so far: `count`, 0 at an untouched head, undefined when a cursor written before
 * counts existed does not say.
 */
export function storedCountOf(position: StreamPosition): number | undefined {
  if (position.count !== undefined) return position.count;
  const untouched =
    position.token === undefined &&
    position.startTime === undefined &&
    position.skip === 0 &&
    position.lastTimestamp === undefined &&
    position.firstId === undefined;
  return untouched ? 0 : undefined;
}

/**
 * The token-free position naming the same place as `position`, for when its token is refused: the
 * read from `lastTimestamp` skipping the events at that millisecond already consumed (GetLogEvents
 * returns a stream's events by timestamp, those of one millisecond in arrival order), or the head
 * when nothing was consumed. Undefined for a position stored before positions carried timestamps.
 */
export function resumeWithoutToken(position: StreamPosition): StreamPosition | undefined {
  const count = position.lastTimestampCount;
  if (count === undefined) return undefined;
  if (count === 0 || position.lastTimestamp === undefined) return { skip: 0, lastTimestampCount: 0 };
  return {
    startTime: position.lastTimestamp,
    skip: count,
    lastTimestamp: position.lastTimestamp,
    lastTimestampCount: count,
  };
}

/** Parses a cursor read back from storage; throws on anything malformed. Cursors of older versions parse too. */
export function parseCursor(value: unknown): SourceCursor {
  if (typeof value !== 'object' || value === null || typeof (value as { streams?: unknown }).streams !== 'object') {
    throw new TypeError('cursor: expected {streams}');
  }
  const raw = (value as { streams: Record<string, unknown> }).streams;
  const positions = new Map<string, StreamPosition>();
  for (const [stream, position] of Object.entries(raw)) {
    positions.set(stream, parsePosition(stream, position));
  }
  return { streams: Object.fromEntries(positions) };
}

function parsePosition(stream: string, value: unknown): StreamPosition {
  const {
    token,
    skip,
    startTime,
    lastTimestamp,
    lastTimestampCount,
    maxTimestamp,
    count: stored,
  } = (value ?? {}) as Record<string, unknown>;
  const bad = (): never => {
    throw new TypeError(`cursor: bad position for stream ${stream}`);
  };
  const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const optional = (v: unknown): boolean => v === undefined || count(v);
  if (token !== undefined && typeof token !== 'string') bad();
  if (!count(skip) || !optional(startTime) || !optional(lastTimestamp) || !optional(lastTimestampCount)) bad();
  if (!optional(maxTimestamp) || !optional(stored)) bad();
  if (typeof lastTimestampCount === 'number' && lastTimestampCount > 0 && lastTimestamp === undefined) bad();
  // Only the keys present are set, so a position stored without a field reads back without it.
  return {
    ...(token === undefined ? {} : { token: token as string }),
    skip: skip as number,
    ...(startTime === undefined ? {} : { startTime: startTime as number }),
    ...(lastTimestamp === undefined ? {} : { lastTimestamp: lastTimestamp as number }),
    ...(lastTimestampCount === undefined ? {} : { lastTimestampCount: lastTimestampCount as number }),
    ...(maxTimestamp === undefined ? {} : { maxTimestamp: maxTimestamp as number }),
    ...(stored === undefined ? {} : { count: stored as number }),
    ...parsePushFields(value as Record<string, unknown>, bad),
  };
}

const SEQUENCE_NUMBER = /^\d{1,128}$/;

/** True for a Kinesis sequence number (a decimal string of 1..128 digits). */
export function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && SEQUENCE_NUMBER.test(value);
}

/** The push ingest fields of a stored position: the origin of its last event (all three or none), its ids. */
function parsePushFields(
  value: Record<string, unknown> | null | undefined,
  bad: () => never,
): Pick<StreamPosition, 'shardId' | 'sequenceNumber' | 'subIndex' | 'recentIds' | 'firstId'> {
  const { shardId, sequenceNumber, subIndex, recentIds, firstId } = value ?? {};
  // CloudWatch ids are non-empty strings.
  const id = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const origin = [shardId, sequenceNumber, subIndex].filter((v) => v !== undefined).length;
  if (origin !== 0 && origin !== 3) bad();
  if (origin === 3) {
    if (!id(shardId) || !isSequenceNumber(sequenceNumber)) bad();
    if (!Number.isSafeInteger(subIndex) || (subIndex as number) < 0) bad();
  }
  if (recentIds !== undefined && (!Array.isArray(recentIds) || !recentIds.every(id))) bad();
  if (firstId !== undefined && !id(firstId)) bad();
  return {
    ...(origin === 0
      ? {}
      : { shardId: shardId as string, sequenceNumber: sequenceNumber as string, subIndex: subIndex as number }),
    ...(recentIds === undefined ? {} : { recentIds: [...(recentIds as string[])] }),
    ...(firstId === undefined ? {} : { firstId: firstId as string }),
  };
}
