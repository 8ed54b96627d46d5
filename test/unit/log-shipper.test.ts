import { LogShipper, type LogShipperOptions } from '../../activities/log-shipper';
import { DependencyError } from '../../src/ports';
import { InMemoryLogSource } from '../support/fakes';

const GROUP = '/logstream/executions';
const STREAM = 'executions/ship-1';

async function withStream(): Promise<InMemoryLogSource> {
  const source = new InMemoryLogSource();
  await source.createStream(GROUP, STREAM);
  return source;
}

function shipper(source: InMemoryLogSource, options: Partial<LogShipperOptions> = {}): LogShipper {
  return new LogShipper({ source, logGroup: GROUP, logStream: STREAM, flushIntervalMs: 5, ...options });
}

const lines = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

async function errorOf(promise: Promise<unknown>): Promise<{ code?: unknown; retryable?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a rejection');
}

describe('LogShipper', () => {
  test('ships every line once, in order, across many batches', async () => {
    const source = await withStream();
    const ship = shipper(source, { flushLines: 1000 });
    const expected = lines('line ', 12_345);
    for (const line of expected) ship.add(line);
    // Lines arriving while earlier batches are being written.
    const more = lines('late ', 2000);
    for (const [i, line] of more.entries()) {
      ship.add(line);
      if (i % 100 === 0) await tick();
    }
    await ship.close();
    expect(source.events(GROUP, STREAM).map((e) => e.message)).toEqual([...expected, ...more]);
    expect(ship.shippedCount).toBe(expected.length + more.length);
    expect(source.putBatches.length).toBeGreaterThan(1);
  });

  test('flushes once flushLines lines are queued, before the interval', async () => {
    const source = await withStream();
    const ship = shipper(source, { flushIntervalMs: 600_000, flushLines: 10 });
    for (const line of lines('l', 10)) ship.add(line);
    for (let i = 0; i < 1000 && source.events(GROUP, STREAM).length < 10; i++) await tick();
    expect(source.events(GROUP, STREAM)).toHaveLength(10);
    await ship.close();
  });

  test('stamps lines with non-decreasing timestamps even when the clock goes back', async () => {
    const source = await withStream();
    const clock = [1000, 2000, 1500, 1500, 900, 3000, 2999];
    let call = 0;
    const ship = shipper(source, { now: () => clock[call++] ?? 9999 });
    for (const line of lines('t', clock.length)) ship.add(line);
    await ship.close();
    expect(source.events(GROUP, STREAM).map((e) => e.timestamp)).toEqual([1000, 2000, 2000, 2000, 2000, 3000, 3000]);
  });

  test('keeps big lines within the PutLogEvents limits', async () => {
    const source = await withStream();
    const ship = shipper(source);
    const big = Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(200 * 1024, 'x'));
    for (const line of big) ship.add(line);
    await ship.close();
    // The fake refuses a batch over 1 MiB (26 bytes counted per event), as CloudWatch does.
    expect(source.events(GROUP, STREAM).map((e) => e.message)).toEqual(big);
    expect(source.putBatches.length).toBeGreaterThanOrEqual(3);
  });

  test('retries a failing write: nothing lost, nothing doubled, order kept', async () => {
    const source = await withStream();
    source.failNext(2, { operation: 'PutLogEvents' });
    const retries: { code: unknown; attempt: number }[] = [];
    const ship = shipper(source, {
      onRetry: (error, attempt) => retries.push({ code: (error as { code?: unknown }).code, attempt }),
    });
    const first = lines('a', 100);
    for (const line of first) ship.add(line);
    for (let i = 0; i < 10_000 && retries.length === 0; i++) await tick();
    // Lines queued while the failed write waits for its retry go after it.
    const second = lines('b', 100);
    for (const line of second) ship.add(line);
    await ship.close();
    expect(retries).toEqual([
      { code: 'CLOUDWATCH_UNAVAILABLE', attempt: 1 },
      { code: 'CLOUDWATCH_UNAVAILABLE', attempt: 2 },
    ]);
    expect(source.events(GROUP, STREAM).map((e) => e.message)).toEqual([...first, ...second]);
    expect(ship.shippedCount).toBe(200);
  });

  test('a non-retryable error surfaces from close() without retries', async () => {
    const source = await withStream();
    source.failNext(1, {
      operation: 'PutLogEvents',
      error: () => new DependencyError('cloudwatch', 'PutLogEvents', new Error('rejected events'), false),
    });
    const onRetry = jest.fn();
    const ship = shipper(source, { onRetry });
    for (const line of lines('x', 5)) ship.add(line);
    const error = await errorOf(ship.close());
    expect(error.code).toBe('CLOUDWATCH_UNAVAILABLE');
    expect(error.retryable).toBe(false);
    expect(onRetry).not.toHaveBeenCalled();
    expect(ship.shippedCount).toBe(0);
  });

  test('a write failing on every attempt surfaces from close() after its retries', async () => {
    jest.useFakeTimers();
    try {
      const source = await withStream();
      source.failNext(100, { operation: 'PutLogEvents' });
      const onRetry = jest.fn();
      const ship = shipper(source, { onRetry });
      ship.add('doomed');
      const closed = errorOf(ship.close());
      await jest.advanceTimersByTimeAsync(120_000);
      expect((await closed).code).toBe('CLOUDWATCH_UNAVAILABLE');
      expect(onRetry).toHaveBeenCalledTimes(9);
      expect(source.calls.PutLogEvents).toBe(10);
      expect(source.events(GROUP, STREAM)).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('close() with nothing queued resolves, and twice is safe', async () => {
    const source = await withStream();
    const ship = shipper(source);
    await ship.close();
    await ship.close();
    expect(source.calls.PutLogEvents).toBe(0);
  });
});
