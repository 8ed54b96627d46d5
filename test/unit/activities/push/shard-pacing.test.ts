import { DEFAULT_SHARD_PACING, ShardPacer } from '../../../../activities/push/shard-pacing';

describe('ShardPacer with the default pacing', () => {
  test('a quiet shard is read 4 times a second, so the first line after a quiet spell waits 250 ms at most', () => {
    const pacer = new ShardPacer(DEFAULT_SHARD_PACING);
    const spacings = Array.from({ length: 10 }, () => pacer.succeeded(false));
    expect(spacings).toEqual(Array.from({ length: 10 }, () => 250));
    expect(pacer.succeeded(true)).toBe(250);
  });

  test('a read refused for rate halves the pace, quiet or busy, and successful reads win it back', () => {
    const pacer = new ShardPacer({ ...DEFAULT_SHARD_PACING, random: () => 0 });
    pacer.throttled();
    // Each successful read wins back a tenth of the busy spacing.
    expect(pacer.succeeded(false)).toBe(475);
    expect(pacer.succeeded(true)).toBe(450);
    const back = Array.from({ length: 20 }, () => pacer.succeeded(false)).at(-1);
    expect(back).toBe(250);
  });
});
