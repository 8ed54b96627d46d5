import { StreamVerifier, type VerifiedEvent } from '../../../../activities/push/stream-verifier';
import { DependencyError, type ReadBudget } from '../../../../src/ports';
import { awsError, InMemoryLogAudit, seededRandom } from '../../../support/fakes';

// The seal's whole-stream reads on a virtual clock: reads of many small logs share FilterLogEvents calls (up to 100
// stream names a call), every call takes a unit of the account-wide budget, and failures are retried or end the reads.

const GROUP = '/logstream/executions';
const T0 = 1_700_000_000_000;
const pacing = { maxCallsPerSecond: 5, minCallsPerSecond: 0.2, backoffBaseMs: 500, backoffMaxMs: 30_000 };

function setup(options: { batchWindowMs?: number } = {}) {
  let now = T0;
  const sleep = async (ms: number): Promise<void> => {
    now += ms;
  };
  const audit = new InMemoryLogAudit({ now: () => now, filterPerSecond: 1000 });
  const taken: string[] = [];
  const budget: ReadBudget = { take: async (operation) => void taken.push(operation) };
  const verifier = new StreamVerifier({
    audit,
    budget,
    sleep,
    batchWindowMs: options.batchWindowMs ?? 100,
    pacing: { ...pacing, random: seededRandom(1) },
  });
  /** Writes `count` lines to `stream`. */
  const write = (stream: string, count: number) =>
    audit.put(
      GROUP,
      stream,
      Array.from({ length: count }, (_, i) => ({ timestamp: T0 + i, message: `${stream} ${i + 1}` })),
    );
  /** Reads `stream` through the verifier: its events as handed over, and its share of the calls. */
  const read = async (stream: string, alone = false) => {
    const events: VerifiedEvent[] = [];
    const calls = await verifier.read(
      GROUP,
      [stream],
      (logStream, page) => {
        expect(logStream).toBe(stream);
        events.push(...page);
      },
      { alone },
    );
    return { events, calls };
  };
  return { audit, taken, write, read, verifier };
}

describe('StreamVerifier', () => {
  test('150 logs of 600 lines read together: 9 calls in all (pages of 10,000 events, 100 streams a call)', async () => {
    const t = setup();
    const streams = Array.from({ length: 150 }, (_, i) => `job-${i}`);
    const written = new Map(streams.map((stream) => [stream, t.write(stream, 600)]));
    const results = await Promise.all(streams.map((stream) => t.read(stream)));
    results.forEach((result, i) => {
      const stream = streams[i] ?? '';
      expect(result.events.map((e) => e.eventId)).toEqual(written.get(stream)?.map((e) => e.eventId));
    });
    // 100 × 600 = 60,000 events in 6 pages, then 50 × 600 = 30,000 in 3.
    expect(t.audit.calls.FilterLogEvents).toBe(9);
    expect(t.taken).toEqual(Array.from({ length: 9 }, () => 'FilterLogEvents'));
    const shares = results.reduce((sum, r) => sum + r.calls, 0);
    expect(shares).toBeCloseTo(9);
  });

  test('a read alone does not wait for company, and a big log takes pages of 10,000', async () => {
    const t = setup({ batchWindowMs: 60_000 });
    t.write('big', 25_000);
    const result = await t.read('big', true);
    expect(result.events).toHaveLength(25_000);
    expect(result.calls).toBe(3);
  });

  test('streams without events and empty pages before the end are read through', async () => {
    const t = setup();
    const audit = new InMemoryLogAudit({ now: () => T0, emptyPageEvery: 2, pageSize: 10, filterPerSecond: 1000 });
    const verifier = new StreamVerifier({ audit, sleep: async () => undefined, batchWindowMs: 0 });
    audit.put(
      GROUP,
      's',
      Array.from({ length: 35 }, (_, i) => ({ timestamp: T0 + i, message: `m${i}` })),
    );
    const seen: VerifiedEvent[] = [];
    await verifier.read(GROUP, ['s', 'never-written'], (_stream, events) => seen.push(...events));
    expect(seen.map((e) => e.message)).toEqual(Array.from({ length: 35 }, (_, i) => `m${i}`));
    expect(t.audit.calls.FilterLogEvents).toBe(0);
  });

  test('throttled calls are read again after a back-off; every read of the batch gets its events', async () => {
    const t = setup();
    t.write('a', 5);
    t.write('b', 7);
    const throttle = () =>
      new DependencyError('cloudwatch', 'FilterLogEvents', awsError('ThrottlingException'), true, { throttled: true });
    t.audit.failNext(throttle, throttle);
    const [a, b] = await Promise.all([t.read('a'), t.read('b')]);
    expect(a.events).toHaveLength(5);
    expect(b.events).toHaveLength(7);
    expect(t.audit.calls.FilterLogEvents).toBe(3);
  });

  test('a refused call (access denied) fails every read of its batch, not retried', async () => {
    const t = setup();
    t.write('a', 5);
    t.audit.failNext(
      () => new DependencyError('cloudwatch', 'FilterLogEvents', awsError('AccessDeniedException'), false),
    );
    const reads = [t.read('a'), t.read('b')];
    for (const read of reads) await expect(read).rejects.toMatchObject({ nonRetryable: true });
    expect(t.audit.calls.FilterLogEvents).toBe(1);
  });

  test('more than 100 streams in one read is refused', () => {
    const t = setup();
    const streams = Array.from({ length: 101 }, (_, i) => `s${i}`);
    expect(() => t.verifier.read(GROUP, streams, () => undefined)).toThrow(RangeError);
  });
});
