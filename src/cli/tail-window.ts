import type { IndexedEvent } from '../domain';

/** Reads the events with `sinceIndex` < index ≤ `upTo`, in order (a stored log's pages). */
export type RangeReader = (sinceIndex: number, upTo: number) => Promise<IndexedEvent[]>;

/** What `readTail` needs. */
export interface TailWindowOptions {
  /** The log's last index now: the tail ends there. */
  readonly lastIndex: number;
  /** Events at or below this index are never read (`--since-index`). */
  readonly floor: number;
  /** How many lines to keep (`--tail N`). */
  readonly count: number;
  /** Which lines count (the `--grep`/`--since`/`--until` filter). */
  readonly keep: (event: IndexedEvent) => boolean;
  /** Events in the first window read (default `count`); each next one doubles, up to `maxWindow`. */
  readonly firstWindow?: number;
  /** Largest window a later read grows to (default 10,000, the largest page of `/logs`). */
  readonly maxWindow?: number;
}

/**
 * The last `count` kept events at or below `lastIndex`, reading the log backwards from its end in
 * windows: without a filter exactly the last `count` events are read; with one, windows grow until
 * enough lines are kept or the floor is reached. Nothing before the tail is read.
 */
export async function readTail(read: RangeReader, options: TailWindowOptions): Promise<IndexedEvent[]> {
  const { lastIndex, floor, count, keep } = options;
  const maxWindow = options.maxWindow ?? 10_000;
  let window = Math.max(1, options.firstWindow ?? count);
  const kept: IndexedEvent[][] = [];
  let found = 0;
  let end = lastIndex;
  while (found < count && end > floor) {
    const start = Math.max(floor, end - window);
    const events = (await read(start, end)).filter(keep);
    kept.unshift(events);
    found += events.length;
    end = start;
    // Without a filter the first window holds the whole tail; a later one is read only when lines were dropped.
    window = Math.max(window, Math.min(maxWindow, window * 2));
  }
  return kept.flat().slice(-count);
}
