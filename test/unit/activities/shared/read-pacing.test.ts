import { ReadPacer, sleepHeartbeating } from '../../../../activities/shared/read-pacing';

const OPTIONS = { maxCallsPerSecond: 5, minCallsPerSecond: 0.25, backoffBaseMs: 250, backoffMaxMs: 30_000 };

describe('ReadPacer', () => {
  test('spaces reads so their calls fit the rate, counting the time the read itself took', () => {
    const pacer = new ReadPacer({ ...OPTIONS, random: () => 0 });
    expect(pacer.succeeded(1, 0)).toBe(200);
    expect(pacer.succeeded(10, 500)).toBe(1500);
    expect(pacer.succeeded(1, 300)).toBe(0);
  });

  test('halves its rate at each throttle down to the floor, and wins a tenth of the maximum back per success', () => {
    const pacer = new ReadPacer({ ...OPTIONS, random: () => 0.5 });
    for (let i = 0; i < 10; i++) pacer.failed('throttled', 1, 0);
    expect(pacer.callsPerSecond).toBe(OPTIONS.minCallsPerSecond);
    pacer.succeeded(1, 0);
    expect(pacer.callsPerSecond).toBeCloseTo(0.75);
    for (let i = 0; i < 20; i++) pacer.succeeded(1, 0);
    expect(pacer.callsPerSecond).toBe(OPTIONS.maxCallsPerSecond);
  });

  test('transient failures back off exponentially with jitter in the upper half, capped, without slowing the rate', () => {
    const draws = [0, 1, 0.5, 0, 1];
    const pacer = new ReadPacer({ ...OPTIONS, backoffMaxMs: 2000, random: () => draws.shift() ?? 0 });
    const waits = [1, 2, 3, 4, 5].map(() => pacer.failed('transient', 1, 0));
    expect(waits).toEqual([125, 500, 750, 1000, 2000]);
    expect(pacer.callsPerSecond).toBe(OPTIONS.maxCallsPerSecond);
    pacer.succeeded(1, 0);
    expect(pacer.failed('transient', 1, 0)).toBeLessThanOrEqual(250);
  });
});

describe('sleepHeartbeating', () => {
  test('sleeps in steps, heartbeating between them', async () => {
    const log: string[] = [];
    await sleepHeartbeating(
      async (ms) => void log.push(`sleep ${ms}`),
      () => void log.push('beat'),
      2500,
    );
    expect(log).toEqual(['sleep 1000', 'beat', 'sleep 1000', 'beat', 'sleep 500']);
  });
});
