import { indexedEvent, LogstreamError, type IndexedEvent } from '../domain';
import type { LogStore } from './log-store';

/** The stored log has a hole (an expired or missing chunk): it cannot be served as complete. */
export class LogGapError extends LogstreamError {
  constructor(
    readonly executionId: string,
    readonly expectedIndex: number,
  ) {
    super('LOG_GAP', `stored log of ${executionId} has no event at index ${expectedIndex}`);
  }
}

/** A page of stored events. */
export interface StoredPage {
  readonly events: IndexedEvent[];
  /** True when events past the page exist in the store (or up to `upTo`). */
  readonly more: boolean;
}

/**
 * Reads up to `limit` stored events with index > `sinceIndex` (and ≤ `upTo` when given), in order.
 * Throws `LogGapError` when the store skips an index.
 */
export async function readStoredEvents(
  store: LogStore,
  executionId: string,
  sinceIndex: number,
  limit: number,
  upTo = Number.POSITIVE_INFINITY,
): Promise<StoredPage> {
  const events: IndexedEvent[] = [];
  let expected = sinceIndex + 1;
  if (expected > upTo) return { events, more: false };
  for await (const chunk of store.readChunks(executionId, expected)) {
    if (chunk.seq > expected) throw new LogGapError(executionId, expected);
    for (let offset = expected - chunk.seq; offset < chunk.events.length; offset++) {
      const index = chunk.seq + offset;
      if (index > upTo) return { events, more: false };
      if (events.length >= limit) return { events, more: true };
      const event = chunk.events[offset];
      if (event) events.push(indexedEvent(index, event));
      expected = index + 1;
    }
    if (expected > upTo) return { events, more: false };
  }
  // A sealed log's chunks must reach its last index; running out before it is a hole, not the end.
  if (Number.isFinite(upTo) && expected <= upTo) throw new LogGapError(executionId, expected);
  return { events, more: false };
}
