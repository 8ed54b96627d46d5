// The delivery model's decisions, pure: lag, order, repeats, re-batching, merging and disabled windows.
import {
  DEFAULT_DELIVERY,
  mergeDeliveryConfig,
  type DeliveryConfig,
} from '../../../../src/devstack/strict-aws/delivery-config';
import { DeliverySchedule, type StagedRecord } from '../../../../src/devstack/strict-aws/delivery-schedule';
import type { DeliveredMessage } from '../../../../src/devstack/strict-aws/subscription-record';

const DESTINATION = 'arn:aws:kinesis:us-east-1:123456789012:stream/d';

function message(stream: string, ids: string[], group = 'g'): DeliveredMessage {
  return {
    messageType: 'DATA_MESSAGE',
    logGroup: group,
    logStream: stream,
    subscriptionFilters: ['f'],
    logEvents: ids.map((id) => ({ id, timestamp: 1, message: `line ${id}` })),
  };
}

function staged(stream: string, ids: string[], arrivalMs: number, group = 'g'): StagedRecord {
  return { destinationArn: DESTINATION, arrivalMs, message: message(stream, ids, group), partitionKey: stream };
}

function modelled(patch: Record<string, unknown> = {}): DeliveryConfig {
  return mergeDeliveryConfig(DEFAULT_DELIVERY, { mode: 'modelled', ...patch });
}

/** Delivers everything due up to `until`, returning the event ids of each record in delivery order. */
function drain(schedule: DeliverySchedule, until: number): { ids: string[]; repeat: boolean; at: number }[] {
  const out = [];
  for (const delivery of schedule.due(until)) {
    out.push({ ids: delivery.message.logEvents.map((e) => e.id), repeat: delivery.repeat, at: delivery.dueMs });
    schedule.delivered(delivery, delivery.dueMs);
  }
  return out;
}

describe('DeliverySchedule', () => {
  test('direct mode delivers each record at its arrival, once', () => {
    const schedule = new DeliverySchedule(1);
    schedule.admit(staged('s', ['1', '2'], 1_000), DEFAULT_DELIVERY);
    expect(schedule.due(999)).toEqual([]);
    expect(drain(schedule, 1_000)).toEqual([{ ids: ['1', '2'], repeat: false, at: 1_000 }]);
    expect(schedule.counters).toMatchObject({ received: 1, delivered: 1, maxLagMs: 0 });
  });

  test('a constant lag delays every record by it; varied lags keep one stream in order', () => {
    const constant = new DeliverySchedule(1);
    constant.admit(staged('s', ['1'], 1_000), modelled({ lag: { medianMs: 300, p99Ms: 300 } }));
    expect(constant.nextDueMs()).toBe(1_300);

    const varied = new DeliverySchedule(3);
    const config = modelled({ lag: { medianMs: 100, p99Ms: 5_000 } });
    for (let i = 0; i < 50; i++) varied.admit(staged('s', [String(i)], 1_000 + i), config);
    const delivered = drain(varied, Number.MAX_SAFE_INTEGER).flatMap((d) => d.ids);
    expect(delivered).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(varied.counters.maxLagMs).toBeGreaterThan(100);
  });

  test('the same seed gives the same deliveries', () => {
    const run = (seed: number) => {
      const schedule = new DeliverySchedule(seed);
      const config = modelled({ lag: { medianMs: 100, p99Ms: 2_000 }, repeatFraction: 0.3, splitFraction: 0.3 });
      for (let i = 0; i < 30; i++)
        schedule.admit(
          staged(
            `s${i % 3}`,
            ['a', 'b', 'c'].map((x) => `${i}${x}`),
            i,
          ),
          config,
        );
      return drain(schedule, Number.MAX_SAFE_INTEGER);
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  test('with reorder, one stream’s records may overtake each other', () => {
    const schedule = new DeliverySchedule(5);
    const config = modelled({ lag: { medianMs: 100, p99Ms: 5_000 }, reorder: true });
    for (let i = 0; i < 50; i++) schedule.admit(staged('s', [String(i)], 1_000 + i), config);
    const delivered = drain(schedule, Number.MAX_SAFE_INTEGER).flatMap((d) => d.ids);
    expect([...delivered].sort((a, b) => Number(a) - Number(b))).toEqual(delivered.map((_, i) => String(i)));
    expect(delivered).not.toEqual(delivered.map((_, i) => String(i)));
  });

  test('a repeat comes after the first delivery, with the same events', () => {
    const schedule = new DeliverySchedule(1);
    schedule.admit(staged('s', ['1', '2', '3'], 0), modelled({ repeatFraction: 1 }));
    const delivered = drain(schedule, Number.MAX_SAFE_INTEGER);
    expect(delivered[0]).toMatchObject({ ids: ['1', '2', '3'], repeat: false });
    const again = delivered.slice(1);
    expect(again.every((d) => d.repeat && d.at > (delivered[0]?.at ?? 0))).toBe(true);
    expect(again.flatMap((d) => d.ids)).toEqual(['1', '2', '3']);
    expect(schedule.counters.repeated).toBe(again.length);
  });

  test('a split record goes out as two records covering its events in order', () => {
    const schedule = new DeliverySchedule(1);
    schedule.admit(staged('s', ['1', '2', '3', '4'], 0), modelled({ splitFraction: 1 }));
    const delivered = drain(schedule, Number.MAX_SAFE_INTEGER);
    expect(delivered).toHaveLength(2);
    expect(delivered.flatMap((d) => d.ids)).toEqual(['1', '2', '3', '4']);
    expect(schedule.counters.rebatched).toBe(1);
  });

  test('consecutive records of one stream may merge into one, never across streams', () => {
    const schedule = new DeliverySchedule(1);
    const config = modelled({ mergeFraction: 1, lag: { medianMs: 1_000, p99Ms: 1_000 } });
    schedule.admit(staged('s', ['1'], 0), config);
    schedule.admit(staged('t', ['x'], 1), config);
    schedule.admit(staged('s', ['2'], 2), config);
    const delivered = drain(schedule, Number.MAX_SAFE_INTEGER);
    expect(delivered.map((d) => d.ids)).toEqual([['x'], ['1', '2']]);
    expect(schedule.counters.merged).toBe(1);
  });

  test('records arriving in a disabled window are skipped, for its log group only, until it is enabled', () => {
    const schedule = new DeliverySchedule(1);
    schedule.disable(100, 10_000, 'g');
    schedule.admit(staged('s', ['before'], 99), DEFAULT_DELIVERY);
    schedule.admit(staged('s', ['inside'], 100), DEFAULT_DELIVERY);
    schedule.admit(staged('s', ['other group'], 150, 'h'), DEFAULT_DELIVERY);
    schedule.enable(200);
    schedule.admit(staged('s', ['after'], 200), DEFAULT_DELIVERY);
    expect(drain(schedule, Number.MAX_SAFE_INTEGER).map((d) => d.ids)).toEqual([
      ['before'],
      ['other group'],
      ['after'],
    ]);
    expect(schedule.counters).toMatchObject({ skipped: 1, skippedEvents: 1 });
    expect(schedule.openWindows(200)).toEqual([]);
  });

  test('a dropped delivery counts as skipped and leaves the queue', () => {
    const schedule = new DeliverySchedule(1);
    schedule.admit(staged('s', ['1', '2'], 0), DEFAULT_DELIVERY);
    const [delivery] = schedule.due(0);
    if (delivery === undefined) throw new Error('nothing due');
    schedule.dropped(delivery);
    expect(schedule.pending()).toBe(0);
    expect(schedule.counters).toMatchObject({ skipped: 1, skippedEvents: 2, delivered: 0 });
  });
});

describe('delivery settings', () => {
  test('a partial merge keeps the rest', () => {
    const merged = mergeDeliveryConfig(DEFAULT_DELIVERY, { mode: 'modelled', lag: { p99Ms: 2_000 } });
    expect(merged).toMatchObject({ mode: 'modelled', lag: { medianMs: 200, p99Ms: 2_000 }, repeatFraction: 0 });
  });

  test.each([
    [{ mode: 'eventually' }, /mode must be/],
    [{ lag: { medianMs: 500, p99Ms: 100 } }, /p99Ms must be >= lag.medianMs/],
    [{ lag: { mean: 1 } }, /unknown field lag.mean/],
    [{ repeatFraction: 1.5 }, /repeatFraction must be a number from 0 to 1/],
    [{ seed: -1 }, /seed must be/],
    [{ reorder: 'yes' }, /reorder must be true or false/],
    [{ shardLimits: { recordsPerSecond: 0.5 } }, /whole number/],
    [{ surprise: true }, /unknown field surprise/],
    [[], /must be an object/],
  ])('%j is refused with INVALID_STRICT_DELIVERY', (patch, message) => {
    expect(() => mergeDeliveryConfig(DEFAULT_DELIVERY, patch)).toThrow(
      expect.objectContaining({ code: 'INVALID_STRICT_DELIVERY', message: expect.stringMatching(message) }),
    );
  });
});
