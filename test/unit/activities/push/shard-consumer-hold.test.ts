import type { ForwardShardDeps } from '../../../../activities/push/shard-consumer';
import { forwardersPast, WATCH_CLOCK_MARGIN_MS } from '../../../../activities/push/push-proof';
import type { ShardProgress } from '../../../../src/domain';
import {
  GROUP,
  SHARD,
  START,
  events,
  expectDense,
  lines,
  messages,
  register,
  run,
  world,
  type World,
} from '../../../support/shard-consumer-world';

// Holding back the lines nobody waits for: the consumer's waits advance a fake clock (see forward-shard.test.ts).

const HOLD: ForwardShardDeps['hold'] = { holdMs: 5000, maxBytes: 64 * 1024, watchEveryMs: 1000 };

/** Puts 3 lines of stream `a` every 250 ms of the fake clock until `untilMs` after START; returns what was put when. */
function steadyWriter(
  w: World,
  untilMs: number,
): { onSleep: (now: number) => void; putAt: number[]; sequenceNumbers: string[] } {
  const putAt: number[] = [];
  const sequenceNumbers: string[] = [];
  let next = START;
  return {
    putAt,
    sequenceNumbers,
    onSleep: (now) => {
      while (next <= now && next < START + untilMs) {
        sequenceNumbers.push(w.source.putData(SHARD, GROUP, 'a', events('a', putAt.length * 3 + 1, 3, next)));
        putAt.push(next);
        next += 250;
      }
    },
  };
}

/** Records, at each progress report, how many lines of `executionId` were stored then. */
function watchReports(w: World, executionId: string): { report: ShardProgress; stored: number }[] {
  const seen: { report: ShardProgress; stored: number }[] = [];
  const put = w.registry.putShardProgress.bind(w.registry);
  w.registry.putShardProgress = async (report) => {
    seen.push({ report, stored: messages(w, executionId).length });
    await put(report);
  };
  return seen;
}

/** Runs a 12 s round while `writer` writes for e1 and a line of stream `q` (execution "quiet") comes every 250 ms. */
async function runBesideQuiet(w: World, writer: ReturnType<typeof steadyWriter>): Promise<void> {
  let quiet = 0;
  const r = run(w, {
    maxRunMs: 12_000,
    deps: { hold: HOLD },
    onSleep: (now) => {
      writer.onSleep(now);
      if (now < START + 10_000 && quiet < now - START) {
        w.source.putData(SHARD, GROUP, 'q', events('q', quiet / 250 + 1, 1, now));
        quiet += 250;
      }
    },
  });
  await r.result;
}

describe('forwardShard holding back lines nobody waits for', () => {
  it('an unwatched execution printing steadily is stored in a chunk per hold, not per round, all of it, in order', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const writer = steadyWriter(w, 20_000);
    const reports = watchReports(w, 'e1');
    const r = run(w, { maxRunMs: 25_000, onSleep: writer.onSleep, deps: { hold: HOLD } });
    const result = await r.result;

    expect(messages(w, 'e1')).toEqual(lines('a', 1, writer.putAt.length * 3));
    expectDense(w, 'e1');
    // 80 records over 20 s: about one chunk per 5 s hold (and the round's end), against one per record without it.
    expect(writer.putAt.length).toBe(80);
    expect(w.store.chunks('e1').length).toBeLessThanOrEqual(6);
    // Progress never claims a line that was not stored yet: everything that arrived before caughtUpTo was stored.
    expect(reports.length).toBeGreaterThan(3);
    for (const { report, stored } of reports) {
      const due = writer.putAt.filter((t) => t < report.caughtUpTo).length * 3;
      expect({ caughtUpTo: report.caughtUpTo, stored: stored >= due }).toEqual({
        caughtUpTo: report.caughtUpTo,
        stored: true,
      });
    }
    // The round ends with nothing held: its checkpoint is the last record read.
    expect(result.checkpoint).toBe(writer.sequenceNumbers.at(-1));
  });

  it('a watched execution (a tail, its drain) is stored every round, while another is held', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    await register(w, 'quiet', ['q']);
    await w.registry.putWatches('any', ['e1'], START + 60_000);
    const writer = steadyWriter(w, 10_000);
    await runBesideQuiet(w, writer);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, writer.putAt.length * 3));
    // Every round that read a record of e1 stored it: a chunk per round, as without holding.
    expect(w.store.chunks('e1').length).toBeGreaterThan(20);
    expect(w.store.chunks('quiet').length).toBeLessThanOrEqual(4);
    expectDense(w, 'quiet');
    // Only the tails read the tips: the shard publishes the tailed execution's, not the quiet one's.
    const published = [...w.registry.tips.values()].flatMap((tips) => [...tips.keys()]);
    expect(published).toContain('e1');
    expect(published).not.toContain('quiet');
  });

  it('progress says how far a watched execution is stored while others are held: its drain need not wait for them', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    await register(w, 'quiet', ['q']);
    // The drain's watch, put before the consumer reads the watches.
    const watchedSince = START - 2000;
    await w.registry.putWatches('any', ['e1'], START + 60_000);
    const writer = steadyWriter(w, 10_000);
    const reports = watchReports(w, 'e1');
    await runBesideQuiet(w, writer);
    const ahead = reports.filter(({ report }) => (report.readUpTo ?? 0) > report.caughtUpTo);
    // The quiet execution's held lines keep caughtUpTo back; readUpTo goes on, by watches read after the watch.
    expect(ahead.length).toBeGreaterThan(3);
    for (const { report, stored } of ahead) {
      const readUpTo = report.readUpTo ?? 0;
      expect(report.watchesAsOf).toBeGreaterThan(watchedSince + WATCH_CLOCK_MARGIN_MS);
      // Everything of e1 that arrived before readUpTo was stored when it was reported.
      expect(stored).toBeGreaterThanOrEqual(writer.putAt.filter((t) => t < readUpTo).length * 3);
      // Its drain is done waiting; a drain whose watch is newer than the forwarder's read of the watches is not.
      const shards = [{ shardId: SHARD, closed: false }];
      expect(forwardersPast(shards, [report], readUpTo, undefined, watchedSince).done).toBe(true);
      expect(forwardersPast(shards, [report], readUpTo, undefined, report.watchesAsOf).done).toBe(false);
      expect(forwardersPast(shards, [report], readUpTo).done).toBe(false);
    }
  });

  it('an execution with enough bytes held is stored before its hold is over', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const writer = steadyWriter(w, 4000);
    const r = run(w, {
      maxRunMs: 4500,
      onSleep: writer.onSleep,
      deps: { hold: { ...HOLD, holdMs: 60_000, maxBytes: 40 } },
    });
    await r.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, writer.putAt.length * 3));
    // 40 bytes is some 12 of these lines (4 records, a second): a chunk each, long before the minute's hold (which
    // alone would store one chunk, at the round's end).
    expect(w.store.chunks('e1').length).toBeGreaterThanOrEqual(3);
  });

  it('more bytes held in all than the bound: the oldest held executions are stored first', async () => {
    const w = world();
    const ids = ['e1', 'e2', 'e3', 'e4'];
    for (const id of ids) await register(w, id, [id]);
    for (const id of ids) w.source.putData(SHARD, GROUP, id, events(id, 1, 10, START));
    // Each execution holds about 40 bytes: a bound of 90 keeps two held, the two oldest go.
    const r = run(w, {
      maxRunMs: 2000,
      deps: { hold: { ...HOLD, holdMs: 60_000, maxTotalBytes: 90 } },
      onSleep: (now) => {
        if (now >= START + 1500) throw new Error('stop before the round ends (it would store all)');
      },
    });
    await expect(r.result).rejects.toThrow('stop before');
    expect(ids.map((id) => messages(w, id).length)).toEqual([10, 10, 0, 0]);
  });

  it('while the watches cannot be read, every line is stored at once', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.registry.readWatches = () => Promise.reject(new Error('table unreachable'));
    const writer = steadyWriter(w, 5000);
    await run(w, { maxRunMs: 6000, onSleep: writer.onSleep, deps: { hold: HOLD } }).result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, writer.putAt.length * 3));
    expect(w.store.chunks('e1').length).toBeGreaterThan(10);
  });

  it('a consumer lost while it holds lines: the next one resumes behind them and stores each once', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const writer = steadyWriter(w, 8000);
    const first = run(w, {
      maxRunMs: 30_000,
      deps: { hold: HOLD },
      onSleep: (now) => {
        writer.onSleep(now);
        // Lost 7 s in: some lines stored at the first hold's end, the later ones held in memory only.
        if (now >= START + 7000) throw new Error('worker lost');
      },
    });
    await expect(first.result).rejects.toThrow('worker lost');
    const held = writer.putAt.length * 3 - messages(w, 'e1').length;
    expect(held).toBeGreaterThan(0);
    const beat = first.heartbeats.at(-1);
    const second = run(w, { heartbeatDetails: beat, maxRunMs: 5000, onSleep: writer.onSleep, deps: { hold: HOLD } });
    await second.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, writer.putAt.length * 3));
    expectDense(w, 'e1');
  });
});
