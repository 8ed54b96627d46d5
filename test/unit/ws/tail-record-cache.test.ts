// The upgrade check's record reads: one store read for concurrent checks of an execution, reused for a
// short time while unsealed and longer once sealed; a missing record or a failed read is never reused.
import type { ExecutionRecord } from '../../../src/domain';
import { RecordCache } from '../../../src/ws/record-cache';

const unsealed: ExecutionRecord = { executionId: 'e', location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 0 };
const sealed: ExecutionRecord = {
  ...unsealed,
  seal: { status: 'SUCCEEDED', completedAt: 1, lastIndex: 3, sealedAt: 2 },
};

/** A store whose reads the test answers one by one. */
function manualStore(): {
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  reads: number;
  answer(record: ExecutionRecord | undefined | Error): void;
} {
  const pending: ((value: ExecutionRecord | undefined | Error) => void)[] = [];
  return {
    reads: 0,
    getExecution() {
      this.reads++;
      return new Promise((resolve, reject) =>
        pending.push((value) => (value instanceof Error ? reject(value) : resolve(value))),
      );
    },
    answer(record) {
      for (const settle of pending.splice(0)) settle(record);
    },
  };
}

describe('RecordCache', () => {
  it('shares one read between concurrent checks, and reuses an unsealed record for freshMs only', async () => {
    const store = manualStore();
    let now = 1000;
    const cache = new RecordCache(store, { freshMs: 1000, now: () => now });
    const reads = Array.from({ length: 500 }, () => cache.get('e'));
    store.answer(unsealed);
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 500 }, () => unsealed));
    expect(store.reads).toBe(1);
    now += 1000;
    expect(await cache.get('e')).toEqual(unsealed);
    expect(store.reads).toBe(1);
    now += 1;
    const again = cache.get('e');
    expect(store.reads).toBe(2);
    store.answer(sealed);
    expect(await again).toEqual(sealed);
  });

  it('reuses a sealed record for sealedMs', async () => {
    const store = manualStore();
    let now = 0;
    const cache = new RecordCache(store, { freshMs: 1000, sealedMs: 60_000, now: () => now });
    const read = cache.get('e');
    store.answer(sealed);
    await read;
    now = 60_000;
    expect(await cache.get('e')).toEqual(sealed);
    expect(store.reads).toBe(1);
    now = 60_001;
    void cache.get('e');
    expect(store.reads).toBe(2);
  });

  it('never reuses a missing record or a failed read', async () => {
    const store = manualStore();
    const cache = new RecordCache(store, { now: () => 0 });
    const missing = cache.get('e');
    store.answer(undefined);
    expect(await missing).toBeUndefined();
    const failing = cache.get('e');
    expect(store.reads).toBe(2);
    store.answer(new Error('store down'));
    await expect(failing).rejects.toThrow('store down');
    const found = cache.get('e');
    expect(store.reads).toBe(3);
    store.answer(unsealed);
    expect(await found).toEqual(unsealed);
  });

  it('holds at most maxEntries records', async () => {
    const store = manualStore();
    const cache = new RecordCache(store, { maxEntries: 2, now: () => 0 });
    const reads = ['a', 'b', 'c'].map((id) => cache.get(id));
    store.answer(unsealed);
    await Promise.all(reads);
    expect(store.reads).toBe(3);
    void cache.get('a');
    void cache.get('c');
    expect(store.reads).toBe(4);
  });
});
