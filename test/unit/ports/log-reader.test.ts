import type { LogChunk } from '../../../src/domain';
import { readStoredEvents } from '../../../src/ports';
import { InMemoryLogStore } from '../../support/fakes';

const ID = 'exec-reader';
const T0 = 1_700_000_000_000;

/** Stores chunks of the given sizes: indexes 1..sum, event i has message `e<i>` and timestamp T0 + i. */
async function storeWithChunks(sizes: readonly number[], store = new InMemoryLogStore()): Promise<InMemoryLogStore> {
  let seq = 1;
  for (const size of sizes) {
    const chunk: LogChunk = {
      seq,
      last: seq + size - 1,
      events: Array.from({ length: size }, (_, i) => ({ timestamp: T0 + seq + i, message: `e${seq + i}` })),
      cursor: { streams: { s: { token: `f/${seq + size - 1}`, skip: 0 } } },
    };
    await store.appendChunk(ID, chunk);
    seq += size;
  }
  return store;
}

const indexes = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code?: unknown; expectedIndex?: unknown; name?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a rejection');
}

describe('readStoredEvents', () => {
  // Chunks 1..3, 4, 5..9, 10..11 (11 events), plus enough small chunks to need several store pages.
  const sizes = [3, 1, 5, 2];

  test('reads everything after index 0 with indexes, timestamps and messages', async () => {
    const store = await storeWithChunks(sizes);
    const page = await readStoredEvents(store, ID, 0, 100);
    expect(page.more).toBe(false);
    // Chunks written without streams read as the log's only stream (the cursor's `s`).
    expect(page.events).toEqual(
      indexes(1, 11).map((i) => ({ index: i, timestamp: T0 + i, stream: 's', message: `e${i}` })),
    );
  });

  test.each([
    [0, 1],
    [2, 3],
    [3, 4],
    [4, 5],
    [6, 7],
    [10, 11],
  ])('since_index %i starts at index %i, inside or at the edge of a chunk', async (since, first) => {
    const store = await storeWithChunks(sizes);
    const page = await readStoredEvents(store, ID, since, 100);
    expect(page.events.map((e) => e.index)).toEqual(indexes(first, 11));
    expect(page.more).toBe(false);
  });

  test('since the last index or beyond: nothing, and nothing more', async () => {
    const store = await storeWithChunks(sizes);
    expect(await readStoredEvents(store, ID, 11, 100)).toEqual({ events: [], more: false });
    expect(await readStoredEvents(store, ID, 50, 100)).toEqual({ events: [], more: false });
  });

  test('an unknown execution reads as empty', async () => {
    expect(await readStoredEvents(new InMemoryLogStore(), 'nobody', 0, 10)).toEqual({ events: [], more: false });
  });

  test('limit cuts a page and says there is more', async () => {
    const store = await storeWithChunks(sizes);
    const page = await readStoredEvents(store, ID, 0, 4);
    expect(page.events.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(page.more).toBe(true);
  });

  test('a limit that exactly reaches the last event says there is nothing more', async () => {
    const store = await storeWithChunks(sizes);
    const page = await readStoredEvents(store, ID, 5, 6);
    expect(page.events.map((e) => e.index)).toEqual(indexes(6, 11));
    expect(page.more).toBe(false);
  });

  test.each([1, 2, 3, 4, 7, 11])('paging with limit %i visits every event once, in order', async (limit) => {
    const store = await storeWithChunks([3, 1, 5, 2, ...Array.from({ length: 40 }, (_, i) => 1 + (i % 4))]);
    const total = 11 + Array.from({ length: 40 }, (_, i) => 1 + (i % 4)).reduce((a, b) => a + b, 0);
    const seen: number[] = [];
    let since = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await readStoredEvents(store, ID, since, limit);
      expect(page.events.length).toBeLessThanOrEqual(limit);
      seen.push(...page.events.map((e) => e.index));
      since = page.events.at(-1)?.index ?? since;
      if (!page.more) break;
      expect(page.events).toHaveLength(limit);
    }
    expect(seen).toEqual(indexes(1, total));
  });

  test('upTo stops at an index, without claiming more', async () => {
    const store = await storeWithChunks(sizes);
    const page = await readStoredEvents(store, ID, 0, 100, 7);
    expect(page.events.map((e) => e.index)).toEqual(indexes(1, 7));
    expect(page.more).toBe(false);
  });

  test('upTo with a smaller limit: more until upTo is reached', async () => {
    const store = await storeWithChunks(sizes);
    const first = await readStoredEvents(store, ID, 0, 3, 7);
    expect(first.events.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(first.more).toBe(true);
    const last = await readStoredEvents(store, ID, 4, 3, 7);
    expect(last.events.map((e) => e.index)).toEqual([5, 6, 7]);
    expect(last.more).toBe(false);
  });

  test('upTo at a chunk end, or at sinceIndex, or below it', async () => {
    const store = await storeWithChunks(sizes);
    expect((await readStoredEvents(store, ID, 0, 100, 4)).events.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(await readStoredEvents(store, ID, 5, 100, 5)).toEqual({ events: [], more: false });
    expect(await readStoredEvents(store, ID, 5, 100, 2)).toEqual({ events: [], more: false });
  });

  test('a missing chunk in the middle is a LOG_GAP at its first index', async () => {
    const store = await storeWithChunks(sizes);
    expect(store.deleteChunk(ID, 5)).toBe(true);
    const error = await errorOf(readStoredEvents(store, ID, 0, 100));
    expect(error.code).toBe('LOG_GAP');
    expect(error.name).toBe('LogGapError');
    expect(error.expectedIndex).toBe(5);
    expect((await errorOf(readStoredEvents(store, ID, 6, 100))).expectedIndex).toBe(7);
  });

  test('a page that ends before a gap is served; one that reaches it is a LOG_GAP; reads after it work', async () => {
    const store = await storeWithChunks(sizes);
    store.deleteChunk(ID, 5);
    expect(await readStoredEvents(store, ID, 0, 3)).toEqual({
      events: indexes(1, 3).map((i) => ({ index: i, timestamp: T0 + i, stream: 's', message: `e${i}` })),
      more: true,
    });
    // A full page up to index 4 must look at index 5 to answer `more`: the hole is found there.
    expect((await errorOf(readStoredEvents(store, ID, 0, 4))).code).toBe('LOG_GAP');
    expect((await readStoredEvents(store, ID, 9, 100)).events.map((e) => e.index)).toEqual([10, 11]);
  });

  test('a missing first chunk is a LOG_GAP at index 1', async () => {
    const store = await storeWithChunks(sizes);
    store.deleteChunk(ID, 1);
    const error = await errorOf(readStoredEvents(store, ID, 0, 100));
    expect(error.code).toBe('LOG_GAP');
    expect(error.expectedIndex).toBe(1);
  });

  test('an expired log is a gap when read up to its seal', async () => {
    let now = 0;
    const store = new InMemoryLogStore({ now: () => now });
    await store.registerExecution({ executionId: ID, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 0 });
    await storeWithChunks([3, 1, 2], store);
    // Running items carry no expiry; the seal gives every item the same one.
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: T0, lastIndex: 6, sealedAt: T0 }, 1000);
    expect((await readStoredEvents(store, ID, 0, 100, 6)).events).toHaveLength(6);
    now = 1001 * 1000;
    const error = await errorOf(readStoredEvents(store, ID, 0, 100, 6));
    expect(error.code).toBe('LOG_GAP');
    expect(error.expectedIndex).toBe(1);
  });
});

describe('readStoredEvents up to a seal', () => {
  it('reports a hole when the chunks end before the sealed last index', async () => {
    const store = new InMemoryLogStore();
    const cursor = { streams: {} };
    await store.appendChunk('sealed-short', { seq: 1, last: 2, events: [ev(1), ev(2)], cursor });
    await expect(readStoredEvents(store, 'sealed-short', 0, 100, 5)).rejects.toMatchObject({ code: 'LOG_GAP' });
    await expect(readStoredEvents(store, 'sealed-short', 0, 100, 2)).resolves.toMatchObject({ more: false });
  });
});

function ev(i: number): { timestamp: number; message: string } {
  return { timestamp: 1000 + i, message: `m${i}` };
}
