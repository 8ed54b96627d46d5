import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type DrainInput } from '../../../activities';
import { sealExpiresAt, type LogChunk, type LogLocation, type LogSeal } from '../../../src/domain';
import { LogPump } from '../../../src/ports';
import { InMemoryLogSource, InMemoryLogStore, pollOnlyPushDeps } from '../../support/fakes';

const ID = 'exec-ttl';
const GROUP = '/logstream/executions';
const location: LogLocation = { logGroup: GROUP, logStreams: ['stdout'] };
const DAY_S = 86_400;
const cursor = { streams: {} };

function chunk(seq: number, size: number): LogChunk {
  const events = Array.from({ length: size }, (_, i) => ({ timestamp: 1000 + seq + i, message: `m${seq + i}` }));
  return { seq, last: seq + size - 1, events, cursor };
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; name?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; name?: string };
  }
  throw new Error('expected a rejection');
}

async function registered(store = new InMemoryLogStore()): Promise<InMemoryLogStore> {
  await store.registerExecution({ executionId: ID, location, startedAt: 1 });
  return store;
}

const seal = (lastIndex: number, completedAt = 5_000) =>
  ({ status: 'SUCCEEDED', completedAt, lastIndex, sealedAt: completedAt + 1 }) as const;

describe('sealExpiresAt', () => {
  test('counts the retention from the completion', () => {
    expect(sealExpiresAt(1_700_000_000_000, 1_700_000_000_500, 7 * DAY_S)).toBe(1_700_000_001 + 7 * DAY_S);
  });

  test('counts from the seal when the reported completion is older: nothing is written expired', () => {
    const tenDaysAgo = 1_700_000_000_000 - 10 * DAY_S * 1000;
    expect(sealExpiresAt(tenDaysAgo, 1_700_000_000_000, 7 * DAY_S)).toBe(1_700_000_000 + 7 * DAY_S);
  });
});

describe('InMemoryLogStore: expiry only from the seal', () => {
  test('a running log has no expiry, whatever the clock says', async () => {
    let now = 0;
    const store = await registered(new InMemoryLogStore({ now: () => now }));
    await store.appendChunk(ID, chunk(1, 3));
    await store.appendChunk(ID, chunk(4, 2));
    expect(store.expiries(ID)).toEqual([
      { seq: 0, expiresAt: undefined },
      { seq: 1, expiresAt: undefined },
      { seq: 4, expiresAt: undefined },
    ]);
    // A year on, the record and every chunk of the still-running log are there.
    now = 365 * DAY_S * 1000;
    expect(await store.getExecution(ID)).toMatchObject({ executionId: ID });
    const read: number[] = [];
    for await (const c of store.readChunks(ID, 1)) read.push(c.seq);
    expect(read).toEqual([1, 4]);
  });

  test('the seal gives the record and every chunk the same expiry; a second seal changes nothing', async () => {
    const store = await registered();
    await store.appendChunk(ID, chunk(1, 3));
    await store.appendChunk(ID, chunk(4, 2));
    await store.appendChunk(ID, chunk(6, 1));
    expect(await store.sealLog(ID, seal(6), 9_999)).toEqual(seal(6));
    expect(store.expiries(ID).map((item) => item.expiresAt)).toEqual([9_999, 9_999, 9_999, 9_999]);
    expect(await store.sealLog(ID, { ...seal(6), status: 'FAILED' }, 12_345)).toEqual(seal(6));
    expect(store.expiries(ID).map((item) => item.expiresAt)).toEqual([9_999, 9_999, 9_999, 9_999]);
  });

  test('a seal never recreates a deleted record', async () => {
    const store = await registered();
    await store.appendChunk(ID, chunk(1, 2));
    store.deleteRecord(ID);
    const error = await errorOf(store.sealLog(ID, seal(2), 9_999));
    expect(error.code).toBe('EXECUTION_NOT_FOUND');
    expect(await store.getExecution(ID)).toBeUndefined();
    expect(store.expiries(ID)).toEqual([{ seq: 1, expiresAt: undefined }]);
  });
});

describe('InMemoryLogStore: the seal and the appends exclude each other', () => {
  test('after the seal no chunk can be appended (LOG_SEALED, not retryable)', async () => {
    const store = await registered();
    await store.appendChunk(ID, chunk(1, 2));
    await store.sealLog(ID, seal(2), 9_999);
    const error = await errorOf(store.appendChunk(ID, chunk(3, 1)));
    expect(error).toMatchObject({ code: 'LOG_SEALED', name: 'LogSealedError', retryable: false });
    expect(store.events(ID)).toHaveLength(2);
  });

  test('a seal behind a chunk a late writer stored is a CHUNK_CONFLICT and seals nothing', async () => {
    const store = await registered();
    await store.appendChunk(ID, chunk(1, 2));
    await store.appendChunk(ID, chunk(3, 2));
    const error = await errorOf(store.sealLog(ID, seal(2), 9_999));
    expect(error.code).toBe('CHUNK_CONFLICT');
    expect((await store.getExecution(ID))?.seal).toBeUndefined();
  });

  test('a pump that meets the seal stops with LOG_SEALED and stores nothing more', async () => {
    const store = await registered();
    const source = new InMemoryLogSource();
    source.append(GROUP, 'stdout', ['a', 'b']);
    const pump = new LogPump(store, source, { executionId: ID, location });
    await pump.pump();
    await store.sealLog(ID, seal(2), 9_999);
    source.append(GROUP, 'stdout', ['late']);
    expect((await errorOf(pump.pump())).code).toBe('LOG_SEALED');
    expect(store.events(ID).map((e) => e.message)).toEqual(['a', 'b']);
  });
});

describe('activities: expiry of what they write', () => {
  const ttlSeconds = 7 * DAY_S;

  async function runDrain(store: InMemoryLogStore, source: InMemoryLogSource, completedAt: number): Promise<LogSeal> {
    const activities = createActivities({
      store,
      source,
      ...pollOnlyPushDeps(),
      pacing: { minMs: 1, maxMs: 2 },
      ttlSeconds,
    });
    const input: DrainInput = {
      executionId: ID,
      location,
      completion: { status: 'SUCCEEDED', completedAt },
      settleMs: 0,
    };
    return (await new MockActivityEnvironment().run(activities.drainAndSeal, input)) as LogSeal;
  }

  test('the drain seals with retention counted from max(completedAt, seal time)', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    source.append(GROUP, 'stdout', ['x', 'y', 'z']);
    // An external runner reports a completion ten days old: the items must not be born expired.
    const completedAt = Date.now() - 10 * DAY_S * 1000;
    const sealed = await runDrain(store, source, completedAt);
    expect(sealed.lastIndex).toBe(3);
    const expected = sealExpiresAt(completedAt, sealed.sealedAt, ttlSeconds);
    expect(expected * 1000).toBeGreaterThan(Date.now());
    expect(store.expiries(ID)).toEqual([
      { seq: 0, expiresAt: expected },
      { seq: 1, expiresAt: expected },
    ]);
    expect((await store.getExecution(ID))?.seal?.lastIndex).toBe(3);
  });

  test('a second drain of a sealed log returns the first seal, even when CloudWatch grew meanwhile', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    source.append(GROUP, 'stdout', ['x']);
    const first = await runDrain(store, source, Date.now());
    source.append(GROUP, 'stdout', ['written after the seal']);
    expect(await runDrain(store, source, Date.now())).toEqual(first);
    expect(store.events(ID).map((e) => e.message)).toEqual(['x']);
  });
});
