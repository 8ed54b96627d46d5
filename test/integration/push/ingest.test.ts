import { ensureLogGroup } from '../../../src/adapters/cloudwatch/provision';
import { newExecutionId, readAllLogs, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { ownStreamEnv, useOwnStreamHarness } from '../../support/own-stream';
import { strictAws } from '../../support/strict-aws';

// Push ingest end to end on the real local stack (Temporal dev server, the emulator behind the strict AWS layer):
// registration chooses the mode, the log group's subscription delivers through Kinesis, the worker's shard forwarder
// stores, and the push drain seals with its proof. The test has a log group and a Kinesis stream of its own
// (forwarders are keyed by stream, and outlive the worker that started them), provisioned as the stack launcher does.

const env = ownStreamEnv('test-push', { LOGSTREAM_INGEST: 'auto' });
const strict = strictAws();
const harness = useOwnStreamHarness(env);
let h: Harness;
beforeAll(() => {
  h = harness();
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** CloudWatch read calls since the last reset of the strict layer's counters. */
async function cloudWatchReads(): Promise<{ getLogEvents: number; filterLogEvents: number }> {
  const { operations } = await strict.stats();
  return {
    getLogEvents: operations['logs:GetLogEvents']?.calls ?? 0,
    filterLogEvents: operations['logs:FilterLogEvents']?.calls ?? 0,
  };
}

let lastStamp = 0;

/** Writes lines as an external job would, ten to a millisecond, in time order, in batches of `batch`. */
async function writeLines(group: string, stream: string, messages: string[], batch = 500): Promise<void> {
  for (let i = 0; i < messages.length; i += batch) {
    const start = Math.max(Date.now(), lastStamp + 1);
    const events = messages
      .slice(i, i + batch)
      .map((message, j) => ({ timestamp: start + Math.floor(j / 10), message }));
    lastStamp = events.at(-1)?.timestamp ?? lastStamp;
    await h.aws.source.putEvents(group, stream, events);
  }
}

/** Waits until every shard's forwarder has read everything that arrived before `at`. */
async function forwardersPast(at: number): Promise<void> {
  await waitFor(`forwarders past ${new Date(at).toISOString()}`, async () => {
    const [shards, progress] = await Promise.all([
      h.aws.shards.listShards(h.config.kinesisStream),
      h.aws.registry.listShardProgress(h.config.kinesisStream),
    ]);
    const past = shards.every((shard) => progress.some((p) => p.shardId === shard.shardId && p.caughtUpTo >= at));
    return shards.length > 0 && past ? true : undefined;
  });
}

describe('push ingest', () => {
  test('a managed execution is pushed: sealed exact by its runner’s count, "ingest": "push", no CloudWatch read', async () => {
    await strict.resetStats();
    const id = newExecutionId('push-managed');
    await h.client.start({
      command: ['sh', '-c', 'for i in $(seq 1 3000); do echo "managed line $i"; done'],
      executionId: id,
    });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: 3000, ingest: 'push' });
    expect(view).toMatchObject({ recoveredEvents: 0, duplicateEvents: 0 });
    const { events, sources } = await readAllLogs(h.client, id, 1000);
    expect(sources).toEqual(new Set(['dynamodb']));
    expect(events.map((e) => e.index)).toEqual(range(1, 3000));
    expect(events.map((e) => e.message)).toEqual(range(1, 3000).map((i) => `managed line ${i}`));
    const reads = await cloudWatchReads();
    // The runner counted what CloudWatch accepted, and the store holds as many: the proof reads nothing.
    expect(reads.getLogEvents).toBe(0);
    expect(reads.filterLogEvents).toBe(0);
  });

  test('an external execution is pushed: its first /logs reads no CloudWatch, and it ends sealed exact', async () => {
    await strict.resetStats();
    const id = newExecutionId('push-external');
    const stream = `external/${id}`;
    await h.aws.source.createStream(h.config.logGroup, stream);
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    // POST /executions answers once the execution is registered: a job writing right away is already routed.
    expect((await h.client.getHandle(id).describe()).ingest).toBe('push');
    await writeLines(
      h.config.logGroup,
      stream,
      range(1, 2000).map((i) => `external line ${i}`),
    );
    const first = await h.client.getHandle(id).logs();
    expect(first).toMatchObject({ status: 'RUNNING', source: 'dynamodb' });
    await waitFor(`${id} forwarded`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 2000 ? true : undefined,
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', lastIndex: 2000, ingest: 'push' });
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.index)).toEqual(range(1, 2000));
    expect(events.map((e) => e.message)).toEqual(range(1, 2000).map((i) => `external line ${i}`));
    const reads = await cloudWatchReads();
    expect(reads.getLogEvents).toBe(0);
    // No count from the producer: the proof reads the stream once (2,000 events: one page), maybe an empty page more.
    expect(reads.filterLogEvents).toBeGreaterThanOrEqual(1);
    expect(reads.filterLogEvents).toBeLessThanOrEqual(2);
    expect(view).toMatchObject({ recoveredEvents: 0, duplicateEvents: 0 });
  });

  test('an external stream holding lines before registration is polled: the log keeps CloudWatch’s order', async () => {
    const id = newExecutionId('push-early');
    const stream = `external/${id}`;
    await h.aws.source.createStream(h.config.logGroup, stream);
    await writeLines(
      h.config.logGroup,
      stream,
      range(1, 30).map((i) => `early line ${i}`),
    );
    // The forwarder has read them, and skipped them: the stream had no route yet. Pushed, they would come last.
    await forwardersPast(Date.now() + 1);
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    await waitFor(`${id} registered`, async () =>
      (await h.client.getHandle(id).describe()).ingest === 'poll' ? true : undefined,
    );
    await writeLines(
      h.config.logGroup,
      stream,
      range(1, 500).map((i) => `late line ${i}`),
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ lastIndex: 530, ingest: 'poll' });
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.index)).toEqual(range(1, 530));
    expect(events.map((e) => e.message)).toEqual([
      ...range(1, 30).map((i) => `early line ${i}`),
      ...range(1, 500).map((i) => `late line ${i}`),
    ]);
    expect(events.filter((e) => e.recovered === true)).toEqual([]);
    // Not routed: the forwarder leaves the stream to the poller.
    expect(await h.aws.registry.getRoute(h.config.logGroup, stream)).toBeUndefined();
  });

  test('an execution in a log group without the subscription is polled, and still ends sealed exact', async () => {
    const group = `${h.config.logGroup}-unsubscribed`;
    await ensureLogGroup(h.aws.cloudwatch, group);
    const id = newExecutionId('poll-external');
    const stream = `external/${id}`;
    await h.aws.source.createStream(group, stream);
    await h.client.start({ logGroup: group, logStream: stream, executionId: id });
    await writeLines(
      group,
      stream,
      range(1, 700).map((i) => `polled line ${i}`),
    );
    await waitFor(`${id} ingested`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 700 ? true : undefined,
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    const view = await waitSealed(h.client, id);
    expect(view).toMatchObject({ lastIndex: 700, ingest: 'poll' });
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.message)).toEqual(range(1, 700).map((i) => `polled line ${i}`));
  });
});

describe('LOGSTREAM_INGEST=poll', () => {
  let polled: Harness;
  beforeAll(async () => {
    polled = await startHarness({ env: { ...env, LOGSTREAM_INGEST: 'poll' } });
  });
  afterAll(async () => {
    await polled?.stop();
  });

  test('a managed execution in the subscribed log group is polled, and still ends sealed exact', async () => {
    const id = newExecutionId('poll-managed');
    await polled.client.start({
      command: ['sh', '-c', 'for i in $(seq 1 800); do echo "polled $i"; done'],
      executionId: id,
    });
    const view = await waitSealed(polled.client, id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', lastIndex: 800, ingest: 'poll' });
    const { events } = await readAllLogs(polled.client, id);
    expect(events.map((e) => e.message)).toEqual(range(1, 800).map((i) => `polled ${i}`));
  });
});
