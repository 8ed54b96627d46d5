import { MAX_MESSAGE_BYTES } from '../../../../activities/command/line-splitter';
import { LogShipper, type LinesRejected, type LogShipperOptions } from '../../../../activities/command/log-shipper';
import { decodeLine, decodeMessage, MESSAGE_ESCAPE, type SourceCursor } from '../../../../src/domain';
import { awsError, InMemoryLogSource, MAX_PUT_MESSAGE_BYTES } from '../../../support/fakes';

const GROUP = '/logstream/executions';
const STREAM = 'executions/ship-1';
const LOCATION = { logGroup: GROUP, logStreams: [STREAM] };

async function withStream(source = new InMemoryLogSource()): Promise<InMemoryLogSource> {
  await source.createStream(GROUP, STREAM);
  return source;
}

/** A shipper whose retries wait for nothing (the delays they asked for are recorded). */
function shipper(source: InMemoryLogSource, options: Partial<LogShipperOptions> = {}): LogShipper {
  return new LogShipper({
    source,
    logGroup: GROUP,
    logStream: STREAM,
    flushIntervalMs: 5,
    sleep: () => Promise.resolve(),
    ...options,
  });
}

/** The lines a stream holds, as a reader gets them back (decoded). */
const stored = (source: InMemoryLogSource): string[] =>
  source.events(GROUP, STREAM).map((e) => decodeMessage(e.message));

const lines = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

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
    expect(stored(source)).toEqual([...expected, ...more]);
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
    expect(stored(source)).toEqual(big);
    expect(source.putBatches.length).toBeGreaterThanOrEqual(3);
  });

  // Before the escape encoding, CloudWatch refused every batch holding a blank line: the shipper
  // retried it, latched a failure and lost the line and everything after it.
  test('blank lines, lines of spaces and lines starting with the escape round-trip, none refused', async () => {
    const source = await withStream();
    const onRejected = jest.fn();
    const ship = shipper(source, { onRejected });
    const output = [
      '',
      'a',
      '',
      '',
      '   ',
      '\t',
      MESSAGE_ESCAPE,
      `${MESSAGE_ESCAPE}${MESSAGE_ESCAPE}`,
      `${MESSAGE_ESCAPE}x`,
      '',
    ];
    for (const line of output) ship.add(line);
    await ship.close();
    expect(onRejected).not.toHaveBeenCalled();
    expect(ship.shippedCount).toBe(output.length);
    for (const event of source.events(GROUP, STREAM)) expect(event.message.length).toBeGreaterThan(0);
    expect(stored(source)).toEqual(output);
    // And the port's reader (the CloudWatch adapter) gives them back as printed.
    const read: string[] = [];
    let cursor: SourceCursor = { streams: {} };
    for (let i = 0; i < 100 && read.length < output.length; i++) {
      const batch = await source.readAfter(LOCATION, cursor, 100);
      read.push(...batch.events.map((e) => e.message));
      cursor = batch.cursor;
    }
    expect(read).toEqual(output);
  });

  test('a line of the splitter maximum that needs the escape still fits in one event', async () => {
    const source = await withStream();
    const ship = shipper(source);
    const line = MESSAGE_ESCAPE + 'x'.repeat(MAX_MESSAGE_BYTES - Buffer.byteLength(MESSAGE_ESCAPE));
    expect(Buffer.byteLength(line)).toBe(MAX_MESSAGE_BYTES);
    ship.add(line);
    ship.add('');
    await ship.close();
    expect(Buffer.byteLength(source.events(GROUP, STREAM)[0]?.message ?? '')).toBe(
      MAX_MESSAGE_BYTES + Buffer.byteLength(MESSAGE_ESCAPE),
    );
    expect(stored(source)).toEqual([line, '']);
    expect(ship.rejectedCount).toBe(0);
  });

  test('a stderr line of the splitter maximum fits in one event behind the stderr marker, in the order added', async () => {
    const source = await withStream();
    const ship = shipper(source);
    const line = 'e'.repeat(MAX_MESSAGE_BYTES);
    ship.add('out');
    ship.add(line, true);
    ship.add('', true);
    await ship.close();
    const messages = source.events(GROUP, STREAM).map((e) => e.message);
    expect(Buffer.byteLength(messages[1] ?? '')).toBe(MAX_PUT_MESSAGE_BYTES);
    expect(messages.map((m) => decodeLine(m))).toEqual([
      { message: 'out', stderr: false },
      { message: line, stderr: true },
      { message: '', stderr: true },
    ]);
    expect(ship.rejectedCount).toBe(0);
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
    expect(stored(source)).toEqual([...first, ...second]);
    expect(ship.shippedCount).toBe(200);
    // The failed calls may have taken effect (CloudWatch unavailable, reply lost): the count is not a proof.
    expect(ship.acceptedCount).toBe(200);
    expect(ship.uncertainCount).toBe(1);
  });

  test('a reply lost after the call took effect: CloudWatch holds the batch twice, and the write is counted uncertain', async () => {
    const source = await withStream();
    const put = source.putEvents.bind(source);
    let lost = false;
    source.putEvents = async (...args) => {
      const outcome = await put(...args);
      if (!lost) {
        lost = true;
        throw Object.assign(new Error('socket hang up'), { code: 'CLOUDWATCH_UNAVAILABLE', retryable: true });
      }
      return outcome;
    };
    const ship = shipper(source);
    for (const line of lines('r', 20)) ship.add(line);
    await ship.close();
    // Every line twice: the write whose reply was lost, and its retry (however the lines were batched meanwhile).
    expect([...stored(source)].sort()).toEqual([...lines('r', 20), ...lines('r', 20)].sort());
    expect(ship.acceptedCount).toBe(20);
    expect(ship.uncertainCount).toBe(1);
  });

  test('throttling is retried with jittered exponential backoff and no attempt cap', async () => {
    const source = await withStream();
    source.failNext(40, {
      operation: 'PutLogEvents',
      error: () => awsError('ThrottlingException', 400, 'Rate exceeded'),
    });
    const delays: number[] = [];
    const ship = shipper(source, { onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) });
    for (const line of lines('t', 50)) ship.add(line);
    await ship.close();
    expect(stored(source)).toEqual(lines('t', 50));
    // A throttled call was refused, never taken: the count stays a proof.
    expect(ship.acceptedCount).toBe(50);
    expect(ship.uncertainCount).toBe(0);
    expect(delays).toHaveLength(40);
    // Each delay lies in the upper half of its exponential step (250 ms doubling, capped at 10 s).
    delays.forEach((delay, i) => {
      const step = Math.min(10_000, 250 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    });
    expect(new Set(delays.slice(-20)).size).toBeGreaterThan(1);
  });

  test('a long outage while the job runs loses nothing; after close() it is bounded by the deadline', async () => {
    const source = await withStream();
    let now = 1_000_000;
    // Fake time: every backoff moves the clock on by what it asked for.
    const sleep = async (ms: number): Promise<void> => {
      now += ms;
      await tick();
    };
    source.failNext(1000, { operation: 'PutLogEvents' });
    const rejections: LinesRejected[] = [];
    const ship = shipper(source, {
      now: () => now,
      sleep,
      closeDeadlineMs: 60_000,
      onRejected: (r) => rejections.push(r),
    });
    for (const line of lines('a', 10)) ship.add(line);
    // Hours of outage pass while the job runs: the shipper keeps retrying, it never gives up.
    for (let i = 0; i < 100_000 && source.calls.PutLogEvents < 1000; i++) await tick();
    expect(now - 1_000_000).toBeGreaterThan(3600_000);
    await ship.close();
    expect(stored(source)).toEqual(lines('a', 10));
    expect(rejections).toEqual([]);

    // Down for good after the job exited: close() reports the lines lost once the deadline passed.
    source.failNext(1_000_000, { operation: 'PutLogEvents' });
    const closing = shipper(source, {
      now: () => now,
      sleep,
      closeDeadlineMs: 60_000,
      onRejected: (r) => rejections.push(r),
    });
    for (const line of lines('b', 3)) closing.add(line);
    const closedAt = now;
    await closing.close();
    expect(now - closedAt).toBeGreaterThanOrEqual(60_000);
    expect(now - closedAt).toBeLessThan(60_000 + 10_001);
    expect(closing.rejectedCount).toBe(3);
    expect(closing.shippedCount).toBe(0);
    expect(rejections).toEqual([
      {
        firstLine: 1,
        count: 3,
        code: 'ServiceUnavailableException',
        reason: expect.stringMatching(/^CloudWatch unavailable/),
      },
    ]);
  });

  test('a refused event is isolated by bisection and replaced by a notice; nothing else is lost', async () => {
    const source = await withStream();
    const onRetry = jest.fn();
    const rejections: LinesRejected[] = [];
    const ship = shipper(source, { onRetry, onRejected: (r) => rejections.push(r), flushLines: 1_000_000 });
    const before = lines('a', 50);
    const after = lines('b', 49);
    // Only a caller bypassing the line splitter can do this; CloudWatch refuses the whole call.
    const tooBig = 'x'.repeat(MAX_PUT_MESSAGE_BYTES + 1);
    for (const line of [...before, tooBig, ...after]) ship.add(line);
    await ship.close();
    const messages = stored(source);
    expect(messages).toEqual([
      ...before,
      expect.stringMatching(/^logstream: line 51 rejected by CloudWatch: .+/),
      ...after,
    ]);
    expect(rejections).toEqual([
      { firstLine: 51, count: 1, code: 'InvalidParameterException', reason: expect.stringContaining('too large') },
    ]);
    expect(ship.rejectedCount).toBe(1);
    expect(ship.shippedCount).toBe(99);
    // The notice is an event CloudWatch holds too.
    expect(ship.acceptedCount).toBe(100);
    expect(onRetry).not.toHaveBeenCalled();
    // One refused call, then about two per halving (100 lines: 7 levels), and the notice.
    expect(source.calls.PutLogEvents).toBeLessThanOrEqual(1 + 2 * 7 + 1);
  });

  test('events CloudWatch did not store (too old, too new) are reported, the rest kept', async () => {
    const now = Date.parse('2026-01-15T00:00:00Z');
    const source = await withStream(new InMemoryLogSource({ now: () => now, rejectOutOfRangeTimestamps: true }));
    const clock = [now - 15 * 86_400_000, now - 15 * 86_400_000, now, now, now + 3 * 3600_000];
    let call = 0;
    const rejections: LinesRejected[] = [];
    const ship = shipper(source, { now: () => clock[call++] ?? now, onRejected: (r) => rejections.push(r) });
    for (const line of lines('l', 5)) ship.add(line);
    await ship.close();
    expect(stored(source)).toEqual(['l3', 'l4']);
    expect(rejections).toEqual([
      { firstLine: 1, count: 2, code: 'tooOld', reason: expect.any(String) },
      { firstLine: 5, count: 1, code: 'tooNew', reason: expect.any(String) },
    ]);
    expect(ship.rejectedCount).toBe(3);
    expect(ship.shippedCount).toBe(2);
  });

  test('a refusal that is not about the events is reported for its batch; later lines still go', async () => {
    const source = await withStream();
    source.failNext(1, {
      operation: 'PutLogEvents',
      error: () => awsError('AccessDeniedException', 400, 'not authorized'),
    });
    const rejections: LinesRejected[] = [];
    const ship = shipper(source, { onRejected: (r) => rejections.push(r) });
    for (const line of lines('x', 5)) ship.add(line);
    for (let i = 0; i < 10_000 && rejections.length === 0; i++) await tick();
    for (const line of lines('y', 5)) ship.add(line);
    await ship.close();
    expect(rejections).toEqual([{ firstLine: 1, count: 5, code: 'AccessDeniedException', reason: 'not authorized' }]);
    expect(stored(source)).toEqual(lines('y', 5));
    expect(source.calls.PutLogEvents).toBe(2);
  });

  test('a stream missing (deleted under the job) is created again', async () => {
    const source = new InMemoryLogSource();
    const ship = shipper(source);
    ship.add('first');
    await ship.close();
    expect(stored(source)).toEqual(['first']);
    expect(ship.rejectedCount).toBe(0);
  });

  test('memory is bounded: add() asks to pause at the bound and onDrain says when to resume', async () => {
    const source = await withStream();
    let open: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (open = resolve));
    const slow = Object.create(source) as InMemoryLogSource;
    slow.putEvents = async (...args) => {
      await gate;
      return source.putEvents(...args);
    };
    const ship = shipper(slow, { maxQueuedBytes: 64 * 1024 });
    let drained = 0;
    ship.onDrain(() => drained++);
    const line = 'z'.repeat(1000);
    let accepted = 0;
    while (ship.add(line)) accepted++;
    // The line that reached the bound was still taken: nothing is ever dropped.
    expect(ship.heldBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(ship.heldBytes).toBeLessThan(64 * 1024 + 1026);
    expect(drained).toBe(0);
    open();
    gate = Promise.resolve();
    for (let i = 0; i < 10_000 && drained === 0; i++) await tick();
    expect(drained).toBe(1);
    await ship.close();
    expect(stored(source)).toHaveLength(accepted + 1);
    expect(ship.peakHeldBytes).toBeLessThan(64 * 1024 + 1026);
  });

  test('close() with nothing queued resolves, and twice is safe', async () => {
    const source = await withStream();
    const ship = shipper(source);
    await ship.close();
    await ship.close();
    expect(source.calls.PutLogEvents).toBe(0);
  });
});
