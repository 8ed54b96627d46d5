import { WatchRenewal } from '../../../src/ports';

// The one renewal of watches, shared by the API (through WatchPublisher) and the drain: a minute a watch, renewed
// when half over, and since when a watch has held without a gap.

const T0 = 1_700_000_000_000;

function setup(options: { retryMs?: number } = {}) {
  const clock = { now: T0 };
  const puts: { ids: string[]; untilMs: number }[] = [];
  const fail = { next: 0 };
  const renewal = new WatchRenewal({
    watch: async (ids, untilMs) => {
      // The put takes a second: a watch holds from the end of its put, not from its start.
      clock.now += 1000;
      if (fail.next-- > 0) throw new Error('table unreachable');
      puts.push({ ids: [...ids], untilMs });
    },
    now: () => clock.now,
    ...options,
  });
  return { clock, puts, fail, renewal };
}

describe('WatchRenewal', () => {
  test('puts the due watches in one call, renews them half over, and keeps since when each held without a gap', async () => {
    const t = setup();
    expect(t.renewal.heldSince('a')).toBeUndefined();
    await t.renewal.renew(['a', 'b', 'a']);
    expect(t.puts).toEqual([{ ids: ['a', 'b'], untilMs: T0 + 60_000 }]);
    expect(t.renewal.heldSince('a')).toBe(T0 + 1000);
    t.clock.now = T0 + 20_000;
    await t.renewal.renew(['a', 'b']);
    expect(t.puts).toHaveLength(1);
    t.clock.now = T0 + 31_000;
    await t.renewal.renew(['a']);
    expect(t.puts[1]).toEqual({ ids: ['a'], untilMs: T0 + 91_000 });
    // Renewed before it was over: still held since the first put.
    expect(t.renewal.heldSince('a')).toBe(T0 + 1000);
    // b was not renewed: over at its end.
    t.clock.now = T0 + 60_000;
    expect(t.renewal.heldSince('b')).toBeUndefined();
    expect(t.renewal.heldSince('a')).toBe(T0 + 1000);
  });

  test('a watch put again after it lapsed holds from the new put only', async () => {
    const t = setup();
    await t.renewal.renew(['a']);
    t.clock.now = T0 + 61_000 + 1;
    expect(t.renewal.heldSince('a')).toBeUndefined();
    await t.renewal.renew(['a']);
    expect(t.renewal.heldSince('a')).toBe(T0 + 62_001);
  });

  test('a renewal whose put ends after the watch lapsed starts a new run', async () => {
    const t = setup();
    await t.renewal.renew(['a']);
    // Due, and the put (a second) ends past the old watch's end.
    t.clock.now = T0 + 60_500;
    await t.renewal.renew(['a']);
    expect(t.renewal.heldSince('a')).toBe(T0 + 61_500);
  });

  test('a failed put is thrown and changes nothing: the watch before holds to its end; retried after retryMs', async () => {
    const t = setup({ retryMs: 5000 });
    await t.renewal.renew(['a']);
    t.clock.now = T0 + 40_000;
    t.fail.next = 1;
    await expect(t.renewal.renew(['a'])).rejects.toThrow('table unreachable');
    expect(t.renewal.heldSince('a')).toBe(T0 + 1000);
    // Within retryMs of the failure: not tried.
    t.clock.now = T0 + 45_000;
    await t.renewal.renew(['a']);
    expect(t.puts).toHaveLength(1);
    t.clock.now = T0 + 46_000;
    await t.renewal.renew(['a']);
    expect(t.puts[1]?.untilMs).toBe(T0 + 106_000);
    expect(t.renewal.heldSince('a')).toBe(T0 + 1000);
  });

  test('a first put that failed is no watch', async () => {
    const t = setup();
    t.fail.next = 1;
    await expect(t.renewal.renew(['a'])).rejects.toThrow('table unreachable');
    expect(t.renewal.heldSince('a')).toBeUndefined();
    // retryMs 0: the next renew tries again.
    await t.renewal.renew(['a']);
    expect(t.renewal.heldSince('a')).toBe(T0 + 2000);
  });

  test('an execution no longer retained is put again as new', async () => {
    const t = setup();
    await t.renewal.renew(['a']);
    t.renewal.retain(new Set());
    expect(t.renewal.heldSince('a')).toBeUndefined();
    await t.renewal.renew(['a']);
    expect(t.puts).toHaveLength(2);
  });
});
