import type { StoredChunk } from '../ports';
import { EventBatch, eventsOf } from './event-batch';

// Rough heap cost of a held event: its message (once in the event, once in the batch's JSON frame) and
// the objects around it. Only used to bound the window, so an estimate is enough.
const EVENT_OVERHEAD_BYTES = 96;
const ENTRY_OVERHEAD_BYTES = 256;

/** Bounds of a tail's window. */
export interface WindowLimits {
  /** Most events held. */
  readonly maxEvents: number;
  /** Most bytes held (estimated); read when a chunk is added, so a shared budget can shrink it. */
  readonly maxBytes: () => number;
}

/**
 * The events of one stored chunk held by a window, as the batch every reader shares (its JSON frame is
 * built once). Only indexes, timestamps and messages are kept: not the chunk's cursor or event ids.
 */
export class WindowEntry {
  /** When it was last read or added (the window's own counter), for eviction. */
  touched = 0;
  readonly bytes: number;
  private readonly whole: EventBatch;

  /** `chunk` must hold at least one event. */
  constructor(chunk: StoredChunk) {
    this.whole = new EventBatch(eventsOf(chunk, chunk.seq, chunk.last) ?? []);
    let bytes = ENTRY_OVERHEAD_BYTES;
    for (const event of this.whole.events) bytes += 2 * event.message.length + EVENT_OVERHEAD_BYTES;
    this.bytes = bytes;
  }

  get seq(): number {
    return this.whole.first;
  }

  get last(): number {
    return this.whole.last;
  }

  get size(): number {
    return this.whole.events.length;
  }

  /**
   * The events with index in [from, upTo] (the chunk's shared batch when that is all of it), or undefined
   * when there are none. The chunk must hold `from` (`seq <= from`).
   */
  batch(from: number, upTo: number): EventBatch | undefined {
    if (from <= this.seq && upTo >= this.last) return this.whole;
    const events = this.whole.events.slice(Math.max(0, from - this.seq), Math.max(0, upTo - this.seq + 1));
    return events.length > 0 ? new EventBatch(events) : undefined;
  }
}

/**
 * The chunks of one log a tail holds in memory: those it published (the recent ones) and those read for
 * backlogs, bounded by events and bytes, least recently used out first. Stored chunks never change,
 * so a held chunk is as good as a read one.
 */
export class ChunkWindow {
  /** Sorted by `seq`; chunks of one log never overlap. */
  private readonly entries: WindowEntry[] = [];
  private events = 0;
  private bytes = 0;
  private clock = 0;

  constructor(private readonly limits: WindowLimits) {}

  /** Events held. */
  get eventCount(): number {
    return this.events;
  }

  /** The held chunk containing `index`, if any. */
  containing(index: number): WindowEntry | undefined {
    const at = this.lastAtOrBefore(index);
    const entry = at < 0 ? undefined : this.entries[at];
    if (!entry || entry.last < index) return undefined;
    entry.touched = ++this.clock;
    return entry;
  }

  /** Holds `chunk` (or returns the entry already holding it), evicting the least recently used over the bounds. */
  add(chunk: StoredChunk): WindowEntry {
    const at = this.lastAtOrBefore(chunk.seq);
    const held = at < 0 ? undefined : this.entries[at];
    if (held && held.seq === chunk.seq) {
      held.touched = ++this.clock;
      return held;
    }
    const entry = new WindowEntry(chunk);
    entry.touched = ++this.clock;
    this.entries.splice(at + 1, 0, entry);
    this.events += entry.size;
    this.bytes += entry.bytes;
    this.evict(entry);
    return entry;
  }

  /** Drops least recently used entries until the window is within its bounds again (`keep` stays). */
  private evict(keep: WindowEntry): void {
    const maxBytes = this.limits.maxBytes();
    while ((this.events > this.limits.maxEvents || this.bytes > maxBytes) && this.entries.length > 1) {
      let oldest = -1;
      for (let i = 0; i < this.entries.length; i++) {
        const entry = this.entries[i];
        const current = oldest < 0 ? undefined : this.entries[oldest];
        if (entry && entry !== keep && (!current || entry.touched < current.touched)) oldest = i;
      }
      const [dropped] = this.entries.splice(oldest, 1);
      if (dropped) {
        this.events -= dropped.size;
        this.bytes -= dropped.bytes;
      }
    }
  }

  /** Position of the last entry with `seq <= index`, or -1. */
  private lastAtOrBefore(index: number): number {
    let low = 0;
    let high = this.entries.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = this.entries[middle];
      if (entry && entry.seq <= index) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
