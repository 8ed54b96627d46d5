import type { EventsFrame } from '../contract';
import { indexedEvent, type IndexedEvent, type LogEvent } from '../domain';
import type { StoredChunk } from '../ports';

/** Consecutive events of one log, shared by every subscriber they are fanned out to. */
export class EventBatch {
  private frame: string | undefined;

  /** `events` must be non-empty, with consecutive indexes. */
  constructor(readonly events: readonly IndexedEvent[]) {
    if (events.length === 0) throw new RangeError('an event batch holds at least one event');
  }

  get first(): number {
    return this.events[0]?.index ?? 0;
  }

  get last(): number {
    return this.events[this.events.length - 1]?.index ?? 0;
  }

  /** The events with an index above `index` (this batch itself when none is cut off). */
  after(index: number): EventBatch {
    return index < this.first ? this : new EventBatch(this.events.slice(index - this.first + 1));
  }

  /** The `events` message, serialized once however many sockets send it. */
  message(): string {
    if (this.frame === undefined) {
      const frame: EventsFrame = { type: 'events', events: this.events };
      this.frame = JSON.stringify(frame);
    }
    return this.frame;
  }
}

/**
 * The events of `chunk` with index in [from, upTo], or undefined when the chunk starts after `from`
 * (the store skipped an index).
 */
export function eventsOf(chunk: StoredChunk, from: number, upTo: number): IndexedEvent[] | undefined {
  if (chunk.seq > from) return undefined;
  const events: IndexedEvent[] = [];
  const stored: readonly LogEvent[] = chunk.events;
  for (let offset = from - chunk.seq; offset < stored.length; offset++) {
    const index = chunk.seq + offset;
    if (index > upTo) break;
    const event = stored[offset];
    if (event) events.push(indexedEvent(index, event));
  }
  return events;
}
