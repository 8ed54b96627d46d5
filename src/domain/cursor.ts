/**
 * Where reading of one log stream resumes: the forward token of a page and how many events of
 * that page were already consumed. An event is identified by its position behind a token, never
 * by its timestamp, so events sharing a millisecond stay distinct. `token` undefined = the head.
 */
export interface StreamPosition {
  readonly token?: string;
  readonly skip: number;
}

/** The ingest cursor: one position per log stream of the execution. */
export interface SourceCursor {
  readonly streams: Readonly<Record<string, StreamPosition>>;
}

/** The cursor before any event was read. */
export function initialCursor(streams: readonly string[]): SourceCursor {
  // Object.fromEntries defines own properties, so even a stream named `__proto__` is a plain key.
  return { streams: Object.fromEntries(streams.map((stream) => [stream, { skip: 0 }])) };
}

/** The position of a stream in a cursor (the head for a stream it does not know yet). */
export function positionOf(cursor: SourceCursor, stream: string): StreamPosition {
  return Object.hasOwn(cursor.streams, stream) ? (cursor.streams[stream] ?? { skip: 0 }) : { skip: 0 };
}

/** A cursor with some streams moved forward; the others keep their positions. */
export function advanceCursor(cursor: SourceCursor, moves: ReadonlyMap<string, StreamPosition>): SourceCursor {
  if (moves.size === 0) return cursor;
  const positions = new Map(Object.entries(cursor.streams));
  for (const [stream, position] of moves) positions.set(stream, position);
  return { streams: Object.fromEntries(positions) };
}

/** Parses a cursor read back from storage; throws on anything malformed. */
export function parseCursor(value: unknown): SourceCursor {
  if (typeof value !== 'object' || value === null || typeof (value as { streams?: unknown }).streams !== 'object') {
    throw new TypeError('cursor: expected {streams}');
  }
  const raw = (value as { streams: Record<string, unknown> }).streams;
  const positions = new Map<string, StreamPosition>();
  for (const [stream, position] of Object.entries(raw)) {
    const { token, skip } = (position ?? {}) as { token?: unknown; skip?: unknown };
    if ((token !== undefined && typeof token !== 'string') || !Number.isSafeInteger(skip) || (skip as number) < 0) {
      throw new TypeError(`cursor: bad position for stream ${stream}`);
    }
    positions.set(stream, token === undefined ? { skip: skip as number } : { token, skip: skip as number });
  }
  return { streams: Object.fromEntries(positions) };
}
