import { MockActivityEnvironment } from '@temporalio/testing';
import { ingest, type IngestDeps, type IngestProgress } from '../../../../activities/poll/ingest';
import type { LogLocation } from '../../../../src/domain';
import { awsError, InMemoryLogSource, InMemoryLogStore, seededRandom } from '../../../support/fakes';

// The ingest loop's waits go through an injected sleep that records them and returns at once: these
// tests check the waits it chooses and the calls it makes, never wall time. The loop runs until the
// test's sleep ends it.

const location: LogLocation = { logGroup: '/g', logStreams: ['s'] };
const PACING = { maxCallsPerSecond: 5, minCallsPerSecond: 0.25, backoffBaseMs: 250, backoffMaxMs: 30_000 };
const OVER = new Error('test over');

interface Progress {
  /** Polls (reads) made so far. */
  readonly polls: number;
  /** The last index heartbeated. */
  readonly lastIndex: number;
}

interface Run {
  /** The wait chosen after each poll (the sleeps between two polls summed). */
  readonly waits: number[];
  readonly result: Promise<void>;
}

function run(
  store: InMemoryLogStore,
  source: InMemoryLogSource,
  until: (progress: Progress) => boolean,
  overrides: Partial<IngestDeps> = {},
): Run {
  const env = new MockActivityEnvironment();
  const waits: number[] = [];
  let lastIndex = 0;
  let clock = 1_700_000_000_000;
  env.on('heartbeat', (details: IngestProgress) => {
    lastIndex = details.lastIndex;
  });
  const deps: IngestDeps = {
    store,
    source,
    pacing: { minMs: 100, maxMs: 2000 },
    readPacing: { ...PACING, random: seededRandom(3) },
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      // Every poll is one read of the source: the sleeps after read n make up wait n.
      const poll = source.readAfterCalls;
      waits[poll - 1] = (waits[poll - 1] ?? 0) + ms;
      if (until({ polls: poll, lastIndex })) throw OVER;
    },
    ...overrides,
  };
  return { waits, result: env.run(ingest, deps, { executionId: 'e', location }) as Promise<void> };
}

async function stored(store: InMemoryLogStore): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of store.readChunks('e', 1)) out.push(...chunk.events.map((e) => e.message));
  return out;
}

const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `line ${from + i}`);

describe('ingest activity', () => {
  it('rides out CloudWatch and DynamoDB failures with back-off, skipping nothing', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource({ pageSize: 50 });
    source.append('/g', 's', lines(1, 60), 1000);
    source.failNext(3);
    store.failNext('appendChunk', 2);
    let appended = false;
    const r = run(store, source, ({ lastIndex }) => {
      if (lastIndex === 60 && !appended) {
        appended = true;
        source.append('/g', 's', lines(61, 60), 2000);
      }
      return lastIndex === 120;
    });
    await expect(r.result).rejects.toBe(OVER);
    expect(await stored(store)).toEqual(lines(1, 120));
    // The injected failures happened (failed calls are counted too) and were ridden out.
    expect(source.calls.GetLogEvents).toBeGreaterThan(3);
    expect(store.calls.appendChunk).toBeGreaterThan(2);
  });

  it('backs off on throttling with growing, jittered waits, and slows its pace until reads succeed', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource({ pageSize: 50 });
    source.append('/g', 's', lines(1, 10), 1000);
    source.failNext(4, { error: () => awsError('ThrottlingException') });
    const r = run(store, source, ({ lastIndex }) => lastIndex === 10);
    await expect(r.result).rejects.toBe(OVER);
    expect(source.calls.GetLogEvents).toBe(5);
    expect(r.waits).toHaveLength(5);
    const waits = r.waits;
    // Halving the pace at each throttle: ceilings 400, 800, 1600, 3200 ms, each wait jittered in its upper half.
    [400, 800, 1600, 3200].forEach((ceiling, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(waits[i]).toBeLessThanOrEqual(ceiling);
    });
    expect(new Set(waits.slice(0, 4).map((w, i) => w / 2 ** i)).size).toBeGreaterThan(1);
    // The first successful read after them is still paced below the maximum rate.
    expect(waits[4]).toBeGreaterThan(1000 / PACING.maxCallsPerSecond);
    expect(await stored(store)).toEqual(lines(1, 10));
  });

  it('never polls without a wait, even on reads that only meet empty pages', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource({ pageSize: 5, emptyPageEvery: 1 });
    source.append('/g', 's', lines(1, 20), 1000);
    const r = run(store, source, ({ polls }) => polls >= 6);
    await expect(r.result).rejects.toBe(OVER);
    // Each read spent its budget of 10 pages: at 5 calls/s that is 2 s before the next read.
    expect(source.calls.GetLogEvents).toBe(60);
    for (const wait of r.waits.slice(0, 5)) expect(wait).toBeGreaterThanOrEqual(2000);
  });

  it('slows to the idle interval when quiet, and back to the fast one when lines flow', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    await source.createStream('/g', 's');
    const r = run(store, source, ({ polls }) => {
      if (polls === 6) source.append('/g', 's', lines(1, 3), 1000);
      return polls >= 8;
    });
    await expect(r.result).rejects.toBe(OVER);
    // Quiet: the interval doubles from 100 ms up to 2 s (never under the 5 calls/s pace); lines: back to fast.
    expect(r.waits.slice(0, 6)).toEqual([400, 400, 800, 1600, 2000, 2000]);
    expect(r.waits[6]).toBeLessThanOrEqual(1000 / PACING.maxCallsPerSecond);
  });

  it.each([
    ['an error AWS will not retry (AccessDenied)', 'CLOUDWATCH_UNAVAILABLE'],
    ['a malformed stored chunk', 'TypeError'],
  ])('raises a non-retryable failure for %s', async (label, type) => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    source.append('/g', 's', lines(1, 3), 1000);
    if (label.startsWith('an error')) source.failNext(1, { error: () => awsError('AccessDeniedException') });
    else store.failNext('latestChunk', 1, { error: () => new TypeError('cursor: expected {streams}') });
    const r = run(store, source, () => false);
    await expect(r.result).rejects.toMatchObject({ name: 'ApplicationFailure', type, nonRetryable: true });
  });

  it('returns once the log is sealed (a leftover attempt has nothing more to do)', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    source.append('/g', 's', lines(1, 3), 1000);
    store.failNext('appendChunk', 1, { error: () => Object.assign(new Error('sealed'), { code: 'LOG_SEALED' }) });
    await expect(run(store, source, () => false).result).resolves.toBeUndefined();
  });
});
