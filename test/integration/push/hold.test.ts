import type { IndexedEvent } from '../../../src/domain';
import { executionWriteUnits } from '../../../src/adapters/dynamodb/item-size';
import { followAll } from '../../support/follow-all';
import { newExecutionId, readAllLogs, waitFor, waitSealed, type Harness } from '../../support/harness';
import { ownStreamEnv, useOwnStreamHarness } from '../../support/own-stream';

// The forwarder holds back the lines of executions nobody waits for (LOGSTREAM_PUSH_HOLD_MS), on the real stack:
// a tail (through the API's watch) and the drain (its own) get theirs at once. The hold here is ten minutes, as long
// as a forwarder round: without a watch, nothing of a held log is stored while the test runs. The test has a log
// group and a Kinesis stream of its own.

const env = ownStreamEnv('test-hold', { LOGSTREAM_PUSH_HOLD_MS: '600000' });
const harness = useOwnStreamHarness(env);
let h: Harness;
beforeAll(() => {
  h = harness();
});

const lines = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} line ${i + 1}`);

/** Registers an external execution (routed to push) and returns its id and stream. */
async function external(prefix: string): Promise<{ id: string; stream: string }> {
  const id = newExecutionId(prefix);
  const stream = `external/${id}`;
  await h.aws.source.createStream(h.config.logGroup, stream);
  await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
  return { id, stream };
}

/** Writes `messages` in `batches` PutLogEvents calls (so many Kinesis records), in time order. */
async function write(stream: string, messages: string[], batches: number): Promise<void> {
  const size = Math.ceil(messages.length / batches);
  for (let i = 0; i < messages.length; i += size) {
    const at = Date.now();
    await h.aws.source.putEvents(
      h.config.logGroup,
      stream,
      messages.slice(i, i + size).map((message) => ({ timestamp: at, message })),
    );
  }
}

test('a tailed execution gets every line at once; one nobody tails is held, then stored whole when its drain asks', async () => {
  const quiet = await external('hold-quiet');
  const tailed = await external('hold-tailed');
  const received: IndexedEvent[] = [];
  const tail = followAll(h.client.getHandle(tailed.id), (event) => received.push(event));
  // The API publishes the tail's watch, and the forwarder reads the watches once a second: lines written after the
  // forwarder knows of it are stored at once. A first line, until it arrives, is what says so.
  await write(tailed.stream, ['tailed line 0'], 1);
  await waitFor('the first tailed line', async () => (received.length >= 1 ? true : undefined));

  // The quiet execution's lines go first, so that the forwarder has read them once it stored the tailed ones after.
  await write(quiet.stream, lines('quiet', 300), 30);
  await write(tailed.stream, lines('tailed', 300), 30);
  await waitFor('every tailed line', async () => (received.length >= 301 ? true : undefined));
  expect(received.map((e) => e.message)).toEqual(['tailed line 0', ...lines('tailed', 300)]);
  expect(received.map((e) => e.index)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
  // Read by the forwarder (before the tailed lines), and held: not one of them stored.
  expect((await h.client.getHandle(quiet.id).describe()).lastIndex).toBe(0);

  // The drain watches its execution: the held lines are stored in one go, and the log sealed exact, within the
  // hold (ten minutes).
  await h.client.getHandle(quiet.id).complete({ status: 'SUCCEEDED' });
  const view = await waitSealed(h.client, quiet.id);
  expect(view).toMatchObject({ status: 'SUCCEEDED', lastIndex: 300, recoveredEvents: 0, duplicateEvents: 0 });
  const { events } = await readAllLogs(h.client, quiet.id);
  expect(events.map((e) => e.message)).toEqual(lines('quiet', 300));
  // 30 records held and stored together: one chunk, against one per forwarder round for the tailed log.
  const held = await executionWriteUnits(h.aws.dynamodb, h.config.table, quiet.id);
  const watched = await executionWriteUnits(h.aws.dynamodb, h.config.table, tailed.id);
  expect(held.chunks).toBe(1);
  expect(watched.chunks).toBeGreaterThan(1);

  await h.client.getHandle(tailed.id).complete({ status: 'SUCCEEDED' });
  await expect(tail).resolves.toMatchObject({ status: 'SUCCEEDED', lastIndex: 301 });
});

test('a drain is not kept waiting by the lines held of another execution: it goes by what was read past them', async () => {
  const bystander = await external('hold-bystander');
  const drained = await external('hold-drained');
  await write(bystander.stream, lines('bystander', 100), 10);
  await write(drained.stream, lines('drained', 100), 10);
  // The bystander's lines are held for ten minutes, and keep the shard's caughtUpTo behind them all that while;
  // the drained execution's drain watches it, and seals by the forwarder's readUpTo, which its watch covers.
  await h.client.getHandle(drained.id).complete({ status: 'SUCCEEDED' });
  const view = await waitSealed(h.client, drained.id);
  expect(view).toMatchObject({ lastIndex: 100, recoveredEvents: 0, duplicateEvents: 0 });
  expect((await readAllLogs(h.client, drained.id)).events.map((e) => e.message)).toEqual(lines('drained', 100));
  // Sealed while the bystander's lines were still held, and the shard's caughtUpTo still behind the drain's window.
  expect((await h.client.getHandle(bystander.id).describe()).lastIndex).toBe(0);
  const completedAt = view.completedAt?.getTime() ?? Number.NaN;
  const [progress] = await h.aws.registry.listShardProgress(h.config.kinesisStream);
  expect(progress?.caughtUpTo).toBeLessThan(completedAt);
  expect(progress?.readUpTo).toBeGreaterThan(completedAt);
  expect(progress?.watchesAsOf).toBeGreaterThan(completedAt);

  await h.client.getHandle(bystander.id).complete({ status: 'SUCCEEDED' });
  await expect(waitSealed(h.client, bystander.id)).resolves.toMatchObject({ lastIndex: 100 });
  expect((await readAllLogs(h.client, bystander.id)).events.map((e) => e.message)).toEqual(lines('bystander', 100));
});

test('a reader polling /logs of a running pushed log gets its lines, though no tail follows it', async () => {
  const polled = await external('hold-polled');
  await write(polled.stream, lines('polled', 200), 20);
  // Each /logs of the running log says it is read: the forwarder stores its lines at once (the hold is ten minutes).
  await waitFor('every line through /logs', async () => {
    const page = await h.client.getHandle(polled.id).logs();
    return page.lastIndex === 200 ? true : undefined;
  });
  const { events } = await readAllLogs(h.client, polled.id);
  expect(events.map((e) => e.message)).toEqual(lines('polled', 200));
});
