import { InvalidInputError } from '../../../../src/domain';
import { PushedLogWriter } from '../../../../src/ports';
import { kinesisError } from '../../../support/fake-shard-source';
import { recordingTelemetry } from '../../../support/recording-telemetry';
import {
  GROUP,
  SHARD,
  START,
  STREAM,
  events,
  lines,
  messages,
  register,
  run,
  world,
  type World,
} from '../../../support/shard-consumer-world';

// Where a shard's consumer resumes (its own checkpoint, the one kept in DynamoDB, the oldest record when Kinesis
// trimmed it), and how it ends when retrying cannot help. Fake clock and fake Kinesis (24 h retention), as in
// forward-shard.test.ts.

const HOUR = 3_600_000;

async function kept(w: World) {
  const [progress] = await w.registry.listShardProgress(STREAM);
  return progress;
}

/** The sequence numbers the consumer asked iterators after (undefined: TRIM_HORIZON). */
function iteratorRequests(w: World): (string | undefined)[] {
  const asked: (string | undefined)[] = [];
  const iteratorAfter = w.source.iteratorAfter.bind(w.source);
  w.source.iteratorAfter = (streamName, shardId, after) => {
    asked.push(after);
    return iteratorAfter(streamName, shardId, after);
  };
  return asked;
}

describe('forwardShard: where it resumes', () => {
  it("a new forwarder (the last one terminated) resumes after the checkpoint kept in the shard's progress, not from the oldest record", async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    for (let i = 0; i < 10; i++) w.source.putData(SHARD, GROUP, 'a', events('a', i * 2 + 1, 2));
    await run(w, { maxRunMs: 5000 }).result;
    const progress = await kept(w);
    expect(progress?.checkpoint).toBeDefined();
    expect(progress?.checkpointAt).toBe(START);
    w.source.putData(SHARD, GROUP, 'a', events('a', 21, 2));

    // No checkpoint of its own: no heartbeat, none from the workflow.
    const asked = iteratorRequests(w);
    const second = run(w, { maxRunMs: 5000 });
    await second.result;
    expect(asked[0]).toBe(progress?.checkpoint);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 22));
    // Only the new record was read: nothing replayed from the start of the shard.
    expect(second.heartbeats.at(-1)).toMatchObject({ records: 1, stored: 2, duplicates: 0 });
  });

  it('the newer of its own checkpoint and the kept one wins', async () => {
    const firstAsked = async (own: { checkpoint?: number; heartbeat?: number }): Promise<[string[], unknown]> => {
      const w = world();
      await register(w, 'e1', ['a']);
      const seqs = Array.from({ length: 5 }, (_, i) => w.source.putData(SHARD, GROUP, 'a', events('a', i + 1, 1)));
      const at = (i: number | undefined) => (i === undefined ? undefined : seqs[i]);
      await w.registry.putShardProgress({
        ...{ streamName: STREAM, shardId: SHARD, caughtUpTo: 0, closed: false, updatedAt: START },
        ...{ checkpoint: at(2), checkpointAt: START },
      });
      const asked = iteratorRequests(w);
      const checkpoint = at(own.checkpoint);
      const heartbeatDetails = own.heartbeat === undefined ? undefined : { checkpoint: at(own.heartbeat) };
      await run(w, { ...(checkpoint ? { checkpoint } : {}), heartbeatDetails, maxRunMs: 500 }).result;
      return [seqs, asked[0]];
    };
    // The workflow's checkpoint is older than the kept one (a zombie attempt wrote past it): the kept one.
    const [older, keptWins] = await firstAsked({ checkpoint: 1 });
    expect(keptWins).toBe(older[2]);
    // The last heartbeat is newer than the kept one (progress is written at most once a second): the heartbeat's.
    const [newer, ownWins] = await firstAsked({ heartbeat: 3 });
    expect(ownWins).toBe(newer[3]);
  });

  it("keeps the checkpoint in the shard's progress while reading a backlog, at most once a second", async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    for (let i = 0; i < 60; i++) w.source.putData(SHARD, GROUP, 'a', events('a', i + 1, 1));
    const r = run(w, { maxRunMs: 6000, deps: { readLimit: 1 } });
    await r.result;
    const reports = w.registry.reports;
    // Behind the tip all along: caughtUpTo never moved, yet the checkpoint was kept, on the progress writes alone.
    expect(reports.every((p) => p.caughtUpTo === 0)).toBe(true);
    expect(reports.length).toBeGreaterThanOrEqual(3);
    for (const [i, p] of reports.entries()) {
      if (i > 0) expect(p.updatedAt - (reports[i - 1]?.updatedAt ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    const reads = r.heartbeats.at(-1)?.reads ?? 0;
    expect(reports.length).toBeLessThan(reads / 3);
    expect((await kept(w))?.checkpoint).toBe(reports.at(-1)?.checkpoint);
    expect(messages(w, 'e1')).toContain(`a ${reads}`);
  });
});

describe('forwardShard: a checkpoint Kinesis trimmed', () => {
  it('resumes at the oldest record kept, records the loss window, logs it as an error and counts it', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const checkpoint = w.source.putData(SHARD, GROUP, 'a', events('a', 1, 3));
    await run(w, { maxRunMs: 3000 }).result;
    expect((await kept(w))?.checkpoint).toBe(checkpoint);
    // The forwarder is gone for more than a day; Kinesis trims what nobody read within its 24 h.
    w.clock.now = START + HOUR;
    w.source.putData(SHARD, GROUP, 'a', events('a', 4, 3));
    w.clock.now = START + 23 * HOUR;
    const oldestKept = w.source.putData(SHARD, GROUP, 'a', events('a', 7, 3));
    w.clock.now = START + 26 * HOUR;
    await expect(w.source.iteratorAfter(STREAM, SHARD, checkpoint)).rejects.toMatchObject({
      awsCode: 'InvalidArgumentException',
    });

    const telemetry = recordingTelemetry();
    await run(w, { maxRunMs: 3000, environment: telemetry.environment }).result;
    expect(messages(w, 'e1')).toEqual([...lines('a', 1, 3), ...lines('a', 7, 3)]);
    expect(w.registry.losses).toEqual([
      { from: START, to: START + 23 * HOUR, afterSequenceNumber: checkpoint, detectedAt: START + 26 * HOUR },
    ]);
    expect((await kept(w))?.checkpoint).toBe(oldestKept);
    expect(telemetry.count('logstream_forwarder_loss_windows')).toBe(1);
    expect(telemetry.errors.map((e) => e.message)).toContain('shard loss window recorded');
  });

  it('a trimmed checkpoint on a shard with nothing left: the window ends where the loss was found', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const checkpoint = w.source.putData(SHARD, GROUP, 'a', events('a', 1, 1));
    w.clock.now = START + 25 * HOUR;
    const r = run(w, { heartbeatDetails: { checkpoint, checkpointAt: START }, maxRunMs: 3000 });
    await r.result;
    expect(w.registry.losses).toEqual([
      { from: START, to: START + 25 * HOUR, afterSequenceNumber: checkpoint, detectedAt: START + 25 * HOUR },
    ]);
    expect(messages(w, 'e1')).toEqual([]);
  });
});

describe('forwardShard: a permanent error', () => {
  it('a deleted stream ends the activity with a non-retryable SHARD_FORWARDING_FAILED, logged and counted', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    w.source.failNext('read', 1, () => kinesisError('GetRecords', 'ResourceNotFoundException', false));
    const telemetry = recordingTelemetry();
    await expect(run(w, { environment: telemetry.environment }).result).rejects.toMatchObject({
      name: 'ApplicationFailure',
      type: 'SHARD_FORWARDING_FAILED',
      nonRetryable: true,
    });
    expect(telemetry.counters).toEqual([
      {
        name: 'logstream_forwarder_failures',
        value: 1,
        tags: expect.objectContaining({ code: 'ResourceNotFoundException' }),
      },
    ]);
    expect(telemetry.errors.map((e) => e.message)).toEqual(['shard forwarding failed for good']);
  });

  it('so does a store refusing what it is given, while transient failures are still waited out', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    w.source.failNext('read', 2);
    w.store.failNext('appendChunk', 2);
    const failure = run(w, {
      deps: {
        writerFor: (target) => {
          const writer = new PushedLogWriter(w.store, target);
          return {
            append: async (records) => {
              if (messages(w, 'e1').length >= 2) throw new InvalidInputError('events', 'refused');
              return writer.append(records);
            },
          };
        },
      },
      onSleep: () => {
        if (messages(w, 'e1').length === 2) w.source.putData(SHARD, GROUP, 'a', events('a', 3, 1));
      },
    }).result;
    await expect(failure).rejects.toMatchObject({
      type: 'SHARD_FORWARDING_FAILED',
      nonRetryable: true,
      details: [expect.objectContaining({ code: 'INVALID_INPUT', shardId: SHARD })],
    });
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 2));
  });
});
