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
  readonly bytes: number;
  /** Neighbours in the window's recency list (older, newer). */
  older: WindowEntry | undefined;
  newer: WindowEntry | undefined;
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
  /** Sorted by `seq` for look-ups; chunks of one log never overlap. */
  private readonly entries: WindowEntry[] = [];
  /** The same entries as a list from the least recently used (a use moves an entry to the newest end). */
  private oldest: WindowEntry | undefined;
  private newest: WindowEntry | undefined;
  private events = 0;
  private bytes = 0;

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
    this.touch(entry);
    return entry;
  }

  /** Holds `chunk` (or returns the entry already holding it), evicting the least recently used over the bounds. */
  add(chunk: StoredChunk): WindowEntry {
    const at = this.lastAtOrBefore(chunk.seq);
    const held = at < 0 ? undefined : this.entries[at];
    if (held && held.seq === chunk.seq) {
      this.touch(held);
      return held;
    }
    const entry = new WindowEntry(chunk);
    this.entries.splice(at + 1, 0, entry);
    this.link(entry);
    this.events += entry.size;
    this.bytes += entry.bytes;
    this.evict(entry);
    return entry;
  }

  private touch(entry: WindowEntry): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    this.link(entry);
  }

  /** Puts `entry` at the newest end of the recency list. */
  private link(entry: WindowEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: WindowEntry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  /** Drops least recently used entries until the window is within its bounds again (`keep` stays). */
  private evict(keep: WindowEntry): void {
    const maxBytes = this.limits.maxBytes();
    let entry = this.oldest;
    while (entry && (this.events > this.limits.maxEvents || this.bytes > maxBytes)) {
      const next = entry.newer;
      if (entry !== keep) {
        this.unlink(entry);
        this.entries.splice(this.lastAtOrBefore(entry.seq), 1);
        this.events -= entry.size;
        this.bytes -= entry.bytes;
      }
      entry = next;
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
