import { MockActivityEnvironment } from '@temporalio/testing';
import { drainAndSeal } from '../../activities/drain-and-seal';
import type { LogLocation, SourceCursor } from '../../src/domain';
import type { LogSource, SourceBatch } from '../../src/ports';
import { InMemoryLogStore } from '../support/fakes';

const location: LogLocation = { logGroup: '/g', logStreams: ['s'] };

/**
 * A source whose first reads come back empty but not exhausted (a read that stopped on its page
 * budget while the token kept moving), then with the events, then exhausted.
 */
function slowToEndSource(emptyReads: number, messages: string[]): LogSource {
  let reads = 0;
  return {
    async readAfter(_location: LogLocation, cursor: SourceCursor): Promise<SourceBatch> {
      reads++;
      const done = (cursor.streams.s?.token ?? '') === 'end';
      if (reads <= emptyReads) return { events: [], cursor, calls: 10, exhausted: false };
      if (done) return { events: [], cursor, calls: 1, exhausted: true };
      const events = messages.map((message, i) => ({
        stream: 's',
        timestamp: 1000 + i,
        message,
        after: i === messages.length - 1 ? { token: 'end', skip: 0 } : { skip: i + 1 },
      }));
      return { events, cursor: { streams: { s: { token: 'end', skip: 0 } } }, calls: 1, exhausted: false };
    },
    createStream: async () => undefined,
    putEvents: async () => undefined,
    ping: async () => undefined,
  };
}

describe('drainAndSeal', () => {
  it('does not seal on a read that found nothing but did not reach the end of the streams', async () => {
    const store = new InMemoryLogStore();
    // The seal never creates a record: the ingest activity (or the drain's wrapper) registers it.
    await store.registerExecution({ executionId: 'e1', location, startedAt: 0 });
    const source = slowToEndSource(3, ['a', 'b', 'c']);
    const seal = await new MockActivityEnvironment().run(
      drainAndSeal,
      { store, source, pollMs: 1, ttlSeconds: 60 },
      {
        executionId: 'e1',
        location,
        completion: { status: 'SUCCEEDED' as const, completedAt: Date.now() - 60_000 },
        settleMs: 0,
      },
    );
    expect(seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 3 });
    const stored: string[] = [];
    for await (const chunk of store.readChunks('e1', 1)) stored.push(...chunk.events.map((e) => e.message));
    expect(stored).toEqual(['a', 'b', 'c']);
    expect((await store.getExecution('e1'))?.seal?.lastIndex).toBe(3);
  });
});
