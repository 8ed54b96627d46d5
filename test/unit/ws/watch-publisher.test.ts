import { WatchPublisher } from '../../../src/ws/watch-publisher';

// The watches of what is read live, published a minute at a time, renewed when half over, in the background.

const T0 = 1_700_000_000_000;

function setup(failures = 0) {
  const clock = { now: T0 };
  const published: { ids: string[]; untilMs: number }[] = [];
  const errors: unknown[] = [];
  let failing = failures;
  const publisher = new WatchPublisher({
    watch: async (ids, untilMs) => {
      if (failing-- > 0) throw new Error('table unreachable');
      published.push({ ids: [...ids], untilMs });
    },
    onError: (error) => errors.push(error),
    now: () => clock.now,
  });
  return { clock, published, errors, publisher };
}

describe('WatchPublisher', () => {
  test('publishes each execution once per half watch, several in one call', async () => {
    const t = setup();
    t.publisher.publish(['a', 'b', 'a']);
    await t.publisher.settle();
    expect(t.published.length === 1).toBe(true);
    expect(t.published[0]).toEqual({ ids: ['a', 'b'], untilMs: T0 + 60_000 });
    t.clock.now += 29_000;
    t.publisher.publish(['a', 'b', 'c']);
    await t.publisher.settle();
    expect(t.published.length === 2).toBe(true);
    // a and b are still watched for more than half a minute: only c is new.
    expect(t.published[1]).toEqual({ ids: ['c'], untilMs: T0 + 89_000 });
    t.clock.now += 2_000;
    t.publisher.publish(['a', 'b', 'c']);
    await t.publisher.settle();
    expect(t.published.length === 3).toBe(true);
    expect(t.published[2]?.ids).toEqual(['a', 'b']);
  });

  test('a failed publication is reported and tried again at the next publish', async () => {
    const t = setup(1);
    t.publisher.publish(['a']);
    await t.publisher.settle();
    expect(t.errors.length === 1).toBe(true);
    t.publisher.publish(['a']);
    await t.publisher.settle();
    expect(t.published.length === 1).toBe(true);
    expect(t.published[0]?.ids).toEqual(['a']);
  });

  test('an execution no longer retained is published again as new', async () => {
    const t = setup();
    t.publisher.publish(['a']);
    await t.publisher.settle();
    expect(t.published.length === 1).toBe(true);
    t.publisher.retain(new Set());
    t.publisher.publish(['a']);
    await t.publisher.settle();
    expect(t.published.length === 2).toBe(true);
  });
});
