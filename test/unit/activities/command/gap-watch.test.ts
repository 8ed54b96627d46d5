import { GapWatch, type SuspectedGap } from '../../../../activities/command/gap-watch';
import { buildChunks, type SourceCursor, type SourcedEvent } from '../../../../src/domain';
import { InMemoryLogStore } from '../../../support/fakes';

// A running job's log watched for gaps: events CloudWatch accepted long enough ago that the log still lacks.

const ID = 'gap-job';
const STREAM = 'executions/gap-job';
const T0 = 1_700_000_000_000;
const ALLOWANCE = 60_000;

function setup() {
  const clock = { now: T0 };
  const store = new InMemoryLogStore({ now: () => clock.now });
  const gaps: SuspectedGap[] = [];
  const watch = new GapWatch({
    store,
    executionId: ID,
    logStream: STREAM,
    allowanceMs: ALLOWANCE,
    onGap: (gap) => gaps.push(gap),
    now: () => clock.now,
  });
  let stored = 0;
  /** Stores `count` more events (the forwarder's append), counted in the chunk's cursor. */
  const store_ = async (count: number): Promise<void> => {
    const events: SourcedEvent[] = Array.from({ length: count }, (_, i) => ({
      stream: STREAM,
      timestamp: clock.now,
      message: `line ${stored + i + 1}`,
      after: { token: `t${stored + i + 1}`, skip: 0 },
    }));
    const cursor: SourceCursor = (await store.latestChunk(ID))?.cursor ?? {
      streams: { [STREAM]: { skip: 0, count: 0 } },
    };
    for (const chunk of buildChunks(stored + 1, cursor, events)) await store.appendChunk(ID, chunk);
    stored += count;
  };
  return { clock, store, watch, gaps, storeEvents: store_ };
}

/** A watch on a registered execution's log. */
async function registered(): Promise<ReturnType<typeof setup>> {
  const t = setup();
  await t.store.registerExecution({
    executionId: ID,
    location: { logGroup: 'g', logStreams: [STREAM] },
    startedAt: T0,
  });
  return t;
}

describe('GapWatch', () => {
  test('no gap while the log keeps up with what was accepted before the allowance', async () => {
    const t = await registered();
    t.watch.note(100);
    await t.storeEvents(100);
    t.clock.now += 10_000;
    // Accepted since, not stored yet, but within the allowance: not a gap.
    t.watch.note(250);
    t.clock.now += ALLOWANCE - 5_000;
    expect(await t.watch.check()).toBeUndefined();
    expect(t.gaps).toEqual([]);
  });

  test('events accepted past the allowance and still missing are reported once, and again after a recovery', async () => {
    const t = await registered();
    t.watch.note(100);
    await t.storeEvents(60);
    t.clock.now += ALLOWANCE + 1;
    const gap = await t.watch.check();
    expect(gap).toEqual({ executionId: ID, acceptedBefore: T0, accepted: 100, stored: 60 });
    await t.watch.check();
    expect(t.gaps).toHaveLength(1);
    // Caught up: the episode ends; a later shortfall is a new one.
    await t.storeEvents(40);
    expect(await t.watch.check()).toBeUndefined();
    t.watch.note(300);
    t.clock.now += ALLOWANCE + 1;
    await t.watch.check();
    expect(t.gaps.map((g) => [g.accepted, g.stored])).toEqual([
      [100, 60],
      [300, 100],
    ]);
  });

  test('nothing accepted yet, or a log stored without counts: nothing to say', async () => {
    const t = setup();
    t.clock.now += ALLOWANCE * 2;
    expect(await t.watch.check()).toBeUndefined();
    t.watch.note(0);
    t.clock.now += ALLOWANCE + 1;
    expect(await t.watch.check()).toBeUndefined();
    expect(t.gaps).toEqual([]);
  });
});
