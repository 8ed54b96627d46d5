import type { LogStore } from '../ports';
import type { ChunkWindow, WindowEntry } from './chunk-window';

/**
 * Pages the backlogs of a tail's subscribers: from the tail's window when it holds the chunk, otherwise
 * from the store, one read at a time per tail. A read adds what it reads to the window, so subscribers
 * waiting for the same range (a wave of joiners from index 0) share it instead of each paging the log.
 */
export class BacklogReader {
  private filling: Promise<WindowEntry[]> | undefined;

  constructor(
    private readonly executionId: string,
    private readonly window: ChunkWindow,
    private readonly store: LogStore,
    /** Events one store read takes at most before it lets the next waiting range go. */
    private readonly fillEvents: number,
  ) {}

  /** The chunks from the one holding `from` on, in index order, as far as the store has them. */
  async *chunksFrom(from: number): AsyncGenerator<WindowEntry> {
    let next = from;
    for (;;) {
      const entry = this.window.containing(next) ?? (await this.load(next));
      if (!entry) return;
      yield entry;
      next = entry.last + 1;
    }
  }

  /** The chunk holding `index` (undefined: not stored), read from the store unless a read under way brings it. */
  private async load(index: number): Promise<WindowEntry | undefined> {
    for (let running = this.filling; running; running = this.filling) {
      // Someone else's read failing is theirs to report; this one tries its own.
      const loaded = await running.catch(() => []);
      const found = this.window.containing(index) ?? holding(loaded, index);
      if (found) return found;
    }
    const fill = this.fill(index);
    this.filling = fill;
    try {
      const loaded = await fill;
      // Looked up in what was read too: a busy window may already have let it go.
      return this.window.containing(index) ?? holding(loaded, index);
    } finally {
      if (this.filling === fill) this.filling = undefined;
    }
  }

  /** Reads chunks from the one holding `from` until the window already has the next one or enough were read. */
  private async fill(from: number): Promise<WindowEntry[]> {
    const loaded: WindowEntry[] = [];
    let events = 0;
    for await (const chunk of this.store.readChunks(this.executionId, from)) {
      if (chunk.last < from) continue;
      const entry = this.window.add(chunk);
      loaded.push(entry);
      events += entry.size;
      if (events >= this.fillEvents || this.window.containing(chunk.last + 1)) break;
    }
    return loaded;
  }
}

function holding(entries: readonly WindowEntry[], index: number): WindowEntry | undefined {
  return entries.find((entry) => entry.seq <= index && index <= entry.last);
}
