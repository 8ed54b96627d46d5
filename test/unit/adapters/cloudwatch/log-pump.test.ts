import { CloudWatchLogSource } from '../../../../src/adapters/cloudwatch/cloudwatch-log-source';
import type { ChunkLimits, LogEvent, LogLocation } from '../../../../src/domain';
import {
  ChunkConflictError,
  LogPump,
  readStoredEvents,
  type LogPumpOptions,
  type LogSource,
  type PumpResult,
} from '../../../../src/ports';
import {
  fakeCloudWatchClient,
  InMemoryLogSource,
  InMemoryLogStore,
  jitter,
  seededRandom,
} from '../../../support/fakes';

const GROUP = '/logstream/executions';
const ID = 'exec-1';
const T0 = 1_700_000_000_000;
const SMALL_CHUNKS: ChunkLimits = { maxBytes: 2000, maxEvents: 9 };

// Every scenario runs the real CloudWatch adapter over a fake client backed by the in-memory model of
// CloudWatch (timestamp-ordered pages, tokens naming places in that order), so the adapter's token
// handling is what gets exercised.

interface Setup {
  readonly cloudwatch: InMemoryLogSource;
  readonly source: LogSource;
  readonly store: InMemoryLogStore;
  readonly location: LogLocation;
  pump(options?: Partial<LogPumpOptions>): LogPump;
  /** Appends messages to a stream, timestamps increasing by 1 ms from the stream's last one. */
  write(stream: string, messages: readonly string[]): void;
}

function setup(
  options: { pageSize?: number; streams?: readonly string[]; seed?: number; maxTicks?: number } = {},
): Setup {
  const latency = options.seed === undefined ? {} : { latency: jitter(options.seed, options.maxTicks) };
  const storeLatency = options.seed === undefined ? {} : { latency: jitter(options.seed + 1, options.maxTicks) };
  const cloudwatch = new InMemoryLogSource({ pageSize: options.pageSize ?? 7, ...latency });
  const store = new InMemoryLogStore(storeLatency);
  const source = new CloudWatchLogSource({ client: fakeCloudWatchClient(cloudwatch) });
  const location: LogLocation = { logGroup: GROUP, logStreams: options.streams ?? ['stdout'] };
  const clocks = new Map<string, number>();
  return {
    cloudwatch,
    source,
    store,
    location,
    pump: (overrides = {}) =>
      new LogPump(store, source, {
        executionId: ID,
        location,
        chunkLimits: SMALL_CHUNKS,
        ...overrides,
      }),
    write: (stream, messages) => {
      let clock = clocks.get(stream) ?? T0;
      const events: LogEvent[] = messages.map((message) => ({ timestamp: clock++, message }));
      clocks.set(stream, clock);
      cloudwatch.append(GROUP, stream, events);
    },
  };
}

function numbered(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

/** Pumps until a pump stores nothing; returns the results. */
async function pumpUntilIdle(pump: LogPump): Promise<PumpResult[]> {
  const results: PumpResult[] = [];
  for (let round = 0; round < 100_000; round++) {
    const result = await pump.pump();
    results.push(result);
    if (result.appended === 0) return results;
  }
  throw new Error('pump never went idle');
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a rejection');
}

/** The store holds exactly `expected` as indexes 1..N: contiguous chunks, each event once, in order. */
async function expectStoredExactly(store: InMemoryLogStore, expected: readonly LogEvent[]): Promise<void> {
  let next = 1;
  for (const chunk of store.chunks(ID)) {
    expect(chunk.seq).toBe(next);
    expect(chunk.last).toBe(chunk.seq + chunk.events.length - 1);
    next = chunk.last + 1;
  }
  expect(next - 1).toBe(expected.length);
  const page = await readStoredEvents(store, ID, 0, Number.MAX_SAFE_INTEGER);
  expect(page.more).toBe(false);
  expect(page.events.map((e) => e.index)).toEqual(expected.map((_, i) => i + 1));
  expect(page.events.map((e) => ({ timestamp: e.timestamp, message: e.message }))).toEqual(expected);
}

/** Every event of every stream is stored once at a dense index, and each stream keeps its order. */
function expectStreamsStoredExactly(s: Setup, streams: readonly string[]): void {
  const stored = s.store.events(ID);
  expect(stored.map((e) => e.index)).toEqual(stored.map((_, i) => i + 1));
  const total = streams.reduce((sum, stream) => sum + s.cloudwatch.events(GROUP, stream).length, 0);
  expect(stored).toHaveLength(total);
  for (const stream of streams) {
    const mine = stored.filter((e) => e.message.startsWith(`${stream} `)).map((e) => e.message);
    expect(mine).toEqual(s.cloudwatch.events(GROUP, stream).map((e) => e.message));
  }
}

describe('LogPump with CloudWatchLogSource', () => {
  describe('exactly once, in order', () => {
    test.each([1, 7, 64, 10_000])(
      '5,000 events written in bursts and pumped by several pumps (page size %i)',
      async (pageSize) => {
        const s = setup({ pageSize });
        const pumps = [5, 33, 10_000].map((maxEventsPerPump) => s.pump({ maxEventsPerPump }));
        const random = seededRandom(pageSize);
        let written = 0;
        let round = 0;
        while (written < 5000) {
          const burst = Math.min(5000 - written, 1 + Math.floor(random() * 150));
          s.write('stdout', numbered('line ', written + 1, burst));
          written += burst;
          const pump = pumps[round++ % pumps.length];
          if (pump) await pump.pump();
        }
        for (const pump of pumps) await pumpUntilIdle(pump);
        await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
        expect(s.cloudwatch.events(GROUP, 'stdout')).toHaveLength(5000);
      },
    );

    test('events with identical timestamps (and identical messages) are all kept', async () => {
      const s = setup();
      const same = Array.from({ length: 500 }, () => ({ timestamp: T0, message: 'same line' }));
      const distinct = numbered('tick ', 1, 500).map((message) => ({ timestamp: T0, message }));
      s.cloudwatch.append(GROUP, 'stdout', same);
      const pump = s.pump({ maxEventsPerPump: 40 });
      await pump.pump();
      s.cloudwatch.append(GROUP, 'stdout', distinct);
      await pumpUntilIdle(pump);
      await expectStoredExactly(s.store, [...same, ...distinct]);
    });

    test('the result and the tip describe what was stored', async () => {
      const s = setup({ pageSize: 10_000 });
      const pump = s.pump();
      const empty = await pump.pump();
      expect(empty).toEqual({
        appended: 0,
        conflicts: 0,
        exhausted: true,
        tip: { lastIndex: 0, cursor: expect.any(Object), lastTimestamp: undefined },
      });
      s.write('stdout', numbered('l', 1, 20));
      const result = await pump.pump();
      expect(result.appended).toBe(20);
      expect(result.conflicts).toBe(0);
      expect(result.tip.lastIndex).toBe(20);
      expect(result.tip.lastTimestamp).toBe(T0 + 19);
      expect(pump.knownTip).toEqual(result.tip);
      expect(await s.pump().loadTip()).toEqual(result.tip);
      expect(pump.sourceCalls).toBe(s.cloudwatch.calls.GetLogEvents);
    });
  });

  describe('concurrent writers', () => {
    test('20 pumps racing while the source keeps growing: no duplicate, no gap, exact order', async () => {
      const s = setup({ seed: 1234, maxTicks: 3 });
      const pumps = Array.from({ length: 20 }, (_, i) =>
        s.pump({ maxEventsPerPump: [5, 17, 1000][i % 3], chunkLimits: { maxBytes: 2000, maxEvents: 4 } }),
      );
      let producing = true;
      let conflicts = 0;
      let gaveUp = 0;
      const produce = async (): Promise<void> => {
        const random = seededRandom(99);
        let written = 0;
        for (let round = 0; round < 60; round++) {
          const burst = 1 + Math.floor(random() * 40);
          s.write('stdout', numbered('line ', written + 1, burst));
          written += burst;
          const pause = Math.floor(random() * 4);
          for (let i = 0; i < pause; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        producing = false;
      };
      const work = async (pump: LogPump): Promise<void> => {
        for (let round = 0; round < 100_000; round++) {
          const finished = !producing;
          try {
            const result = await pump.pump();
            conflicts += result.conflicts;
            if (finished && result.appended === 0) return;
          } catch (error) {
            // A pump that lost more races than it tolerates gives up; the ingest loop simply polls again.
            if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
            gaveUp++;
          }
        }
        throw new Error('pump never went idle');
      };
      await Promise.all([produce(), ...pumps.map(work)]);
      const expected = s.cloudwatch.events(GROUP, 'stdout');
      expect(expected.length).toBeGreaterThan(500);
      await expectStoredExactly(s.store, expected);
      // The race really happened: writers lost conditional puts and recovered from the stored cursor.
      expect(conflicts + gaveUp).toBeGreaterThan(0);
      expect((await s.pump().pump()).appended).toBe(0);
    });

    test('two pumps that read the same events store them once', async () => {
      const s = setup({ pageSize: 10_000 });
      s.write('stdout', numbered('line ', 1, 50));
      const [a, b] = [s.pump({ maxEventsPerPump: 50 }), s.pump({ maxEventsPerPump: 20 })];
      if (!a || !b) throw new Error('unreachable');
      await a.loadTip();
      await b.loadTip();
      const first = await a.pump();
      const second = await b.pump();
      expect(first.appended).toBe(50);
      expect(second.appended).toBe(0);
      expect(second.conflicts).toBe(1);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });
  });

  describe('failures', () => {
    test('a source failing in the middle of a read stores nothing of it, and a retry continues exactly', async () => {
      const s = setup({ pageSize: 7, streams: ['stdout', 'stderr'] });
      for (let i = 0; i < 10; i++) {
        s.write('stdout', numbered('stdout ', i * 20 + 1, 20));
        s.write('stderr', numbered('stderr ', i * 20 + 1, 20));
      }
      const pump = s.pump({ maxEventsPerPump: 1000 });
      expect((await pump.pump()).appended).toBeGreaterThan(0);
      const before = s.store.events(ID);
      // The second GetLogEvents call of the next read fails, after the first one returned events.
      s.cloudwatch.failNext(1, { after: 1 });
      const error = await errorOf(pump.pump());
      expect(error.code).toBe('CLOUDWATCH_UNAVAILABLE');
      expect(s.store.events(ID)).toEqual(before);
      await pumpUntilIdle(pump);
      expectStreamsStoredExactly(s, ['stdout', 'stderr']);
    });

    test('a source down for several polls, then back: nothing lost', async () => {
      const s = setup();
      s.write('stdout', numbered('a', 1, 30));
      const pump = s.pump();
      s.cloudwatch.failNext(5);
      for (let i = 0; i < 5; i++) expect((await errorOf(pump.pump())).code).toBe('CLOUDWATCH_UNAVAILABLE');
      expect(s.store.chunks(ID)).toEqual([]);
      s.write('stdout', numbered('b', 1, 30));
      await pumpUntilIdle(pump);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });

    test('a store failing after some chunks keeps a dense prefix, and a retry continues exactly', async () => {
      const s = setup({ pageSize: 10_000 });
      s.write('stdout', numbered('line ', 1, 200));
      const pump = s.pump({ maxEventsPerPump: 60, chunkLimits: { maxBytes: 100_000, maxEvents: 10 } });
      s.store.failNext('appendChunk', 1, { after: 3 });
      expect((await errorOf(pump.pump())).code).toBe('DYNAMODB_UNAVAILABLE');
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout').slice(0, 30));
      await pumpUntilIdle(pump);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });

    test('an append that succeeded but whose response was lost is not stored twice on retry', async () => {
      const s = setup({ pageSize: 10_000 });
      s.write('stdout', numbered('line ', 1, 100));
      const pump = s.pump({ maxEventsPerPump: 40, chunkLimits: { maxBytes: 100_000, maxEvents: 10 } });
      s.store.failNext('appendChunk', 1, { after: 1, applied: true });
      expect((await errorOf(pump.pump())).code).toBe('DYNAMODB_UNAVAILABLE');
      const retry = await pump.pump();
      expect(retry.conflicts).toBe(1);
      await pumpUntilIdle(pump);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });

    test('a pump gives up with CHUNK_CONFLICT after maxConflicts lost races, storing nothing', async () => {
      const s = setup();
      s.write('stdout', numbered('line ', 1, 10));
      s.store.failNext('appendChunk', 100, { error: () => new ChunkConflictError(ID, 1) });
      const pump = s.pump({ maxConflicts: 3 });
      expect((await errorOf(pump.pump())).code).toBe('CHUNK_CONFLICT');
      expect(s.store.calls.appendChunk).toBe(4);
      expect(s.store.chunks(ID)).toEqual([]);
    });

    test('a fresh pump after a failed one resumes from the store, not from the failed read', async () => {
      const s = setup({ pageSize: 10_000 });
      s.write('stdout', numbered('line ', 1, 120));
      const crashed = s.pump({ maxEventsPerPump: 50 });
      expect((await crashed.pump()).appended).toBe(50);
      s.cloudwatch.failNext(1);
      expect((await errorOf(crashed.pump())).code).toBe('CLOUDWATCH_UNAVAILABLE');
      await pumpUntilIdle(s.pump({ maxEventsPerPump: 13 }));
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });
  });

  describe('several streams', () => {
    test('two streams merged: each stream keeps its order, nothing is lost or doubled', async () => {
      const s = setup({ streams: ['stdout', 'stderr'] });
      const random = seededRandom(5);
      const pump = s.pump({ maxEventsPerPump: 25 });
      const counts = { stdout: 0, stderr: 0 };
      // stderr does not exist for the first rounds: a missing stream reads as empty.
      for (let round = 0; round < 80; round++) {
        for (const stream of ['stdout', 'stderr'] as const) {
          if (stream === 'stderr' && round < 5) continue;
          const burst = Math.floor(random() * 20);
          s.write(stream, numbered(`${stream} `, counts[stream] + 1, burst));
          counts[stream] += burst;
        }
        if (round % 3 === 0) await pump.pump();
      }
      await pumpUntilIdle(pump);
      expectStreamsStoredExactly(s, ['stdout', 'stderr']);
      expect(s.cloudwatch.events(GROUP, 'stdout').map((e) => e.message)).toEqual(numbered('stdout ', 1, counts.stdout));
      expect(s.cloudwatch.events(GROUP, 'stderr').map((e) => e.message)).toEqual(numbered('stderr ', 1, counts.stderr));
      const stored = await readStoredEvents(s.store, ID, 0, Number.MAX_SAFE_INTEGER);
      expect(new Set(stored.events.map((e) => e.message)).size).toBe(counts.stdout + counts.stderr);
    });

    test('events read together are stored in arrival order across streams', async () => {
      const s = setup({ streams: ['stdout', 'stderr'], pageSize: 10_000 });
      const arrival: string[] = [];
      for (let i = 1; i <= 30; i++) {
        const stream = i % 3 === 0 ? 'stderr' : 'stdout';
        s.write(stream, [`${stream} ${i}`]);
        arrival.push(`${stream} ${i}`);
      }
      await s.pump().pump();
      expect((await readStoredEvents(s.store, ID, 0, 100)).events.map((e) => e.message)).toEqual(arrival);
    });

    test('a stream named like an Object.prototype member is pumped exactly once', async () => {
      const s = setup({ streams: ['__proto__'] });
      s.write('__proto__', numbered('line ', 1, 60));
      const pump = s.pump({ maxEventsPerPump: 10 });
      await pump.pump();
      await pump.pump();
      s.write('__proto__', numbered('line ', 61, 20));
      await pumpUntilIdle(s.pump({ maxEventsPerPump: 10 }));
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, '__proto__'));
    });
  });

  describe('restart', () => {
    test.each([
      ['inside the head page', [3], { skip: 3, lastTimestamp: T0 + 2, lastTimestampCount: 1, count: 3 }],
      [
        'inside a later page',
        [7, 3],
        { token: expect.any(String), skip: 3, lastTimestamp: T0 + 9, lastTimestampCount: 1, count: 10 },
      ],
    ])('a fresh pump resumes from a stored cursor %s', async (_label, reads, position) => {
      const s = setup({ pageSize: 7 });
      s.write('stdout', numbered('line ', 1, 40));
      for (const maxEventsPerPump of reads) {
        const before = s.pump({ maxEventsPerPump, chunkLimits: { maxBytes: 100_000, maxEvents: 100 } });
        expect((await before.pump()).appended).toBe(maxEventsPerPump);
      }
      // The worker died here; the cursor stored with the last chunk points into the middle of a page.
      expect(s.store.chunks(ID).at(-1)?.cursor).toEqual({ streams: { stdout: position } });
      s.write('stdout', numbered('line ', 41, 25));
      const after = s.pump({ maxEventsPerPump: 6 });
      const results = await pumpUntilIdle(after);
      expect(results.reduce((sum, r) => sum + r.conflicts, 0)).toBe(0);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });

    test('full 10,000-event pages: a read spans pages and a restart resumes inside one', async () => {
      const s = setup({ pageSize: 10_000 });
      s.write('stdout', numbered('line ', 1, 25_000));
      const first = s.pump({ maxEventsPerPump: 12_345, chunkLimits: { maxBytes: 200 * 1024, maxEvents: 4000 } });
      expect((await first.pump()).appended).toBe(12_345);
      expect(s.store.chunks(ID).at(-1)?.cursor).toEqual({
        streams: {
          stdout: {
            token: expect.any(String),
            skip: 2345,
            lastTimestamp: T0 + 12_344,
            lastTimestampCount: 1,
            count: 12_345,
          },
        },
      });
      s.write('stdout', numbered('line ', 25_001, 100));
      await pumpUntilIdle(s.pump({ maxEventsPerPump: 9999 }));
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });

    test('a fresh pump on a fully read stream finds nothing to do', async () => {
      const s = setup();
      s.write('stdout', numbered('line ', 1, 21));
      await pumpUntilIdle(s.pump());
      const restarted = await s.pump().pump();
      expect(restarted.appended).toBe(0);
      expect(restarted.tip.lastIndex).toBe(21);
      await expectStoredExactly(s.store, s.cloudwatch.events(GROUP, 'stdout'));
    });
  });
});
