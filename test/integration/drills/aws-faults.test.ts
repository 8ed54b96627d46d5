import { followAll } from '../../support/follow-all';
// Drills: an AWS dependency fails for a while (injected by the strict AWS layer) while a managed job keeps printing.
// - CloudWatch Logs down for 15 s (every call answered 503): the shipper and the ingest loop must ride it out.
// - DynamoDB throttled 50 % (ProvisionedThroughputExceededException) from mid-job until the log is sealed: the
//   ingest's writes, the reads and the seal all run while half the calls are refused, and ingestion goes on.
// Once the fault is over the log is sealed exact, 1..N, and two live readers saw every line once.
import {
  DRILL_TIMEOUT_MS,
  drillJob,
  drillLine,
  expectSealedExact,
  indexes,
  storedLastIndex,
  waitFaultOver,
  waitStoredPast,
  type DrillJob,
} from '../../support/drill';
import type { IndexedEvent } from '../../../src/domain';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';
import { resumingSocket, type ResumingSocket } from '../../support/resuming-socket';
import { strictAws, type StrictAwsControl, type StrictStatsView } from '../../support/strict-aws';

/** Lines the DynamoDB drill waits to see stored while the fault lasts, counted from the tip when it began. */
const STORED_DURING_THROTTLE = 50;

/** A harness, a drill job and the two live readers of each drill; everything stopped after it. */
function useDrill(): { h: () => Harness; job: () => DrillJob; readers: ResumingSocket[]; strict: StrictAwsControl } {
  const strict = strictAws();
  let h: Harness;
  let job: DrillJob;
  const readers: ResumingSocket[] = [];
  beforeAll(async () => {
    h = await startHarness();
    job = drillJob();
  });
  afterEach(async () => {
    await strict.clearFaults();
  });
  afterAll(async () => {
    job?.end();
    readers.forEach((socket) => socket.close());
    await h?.stop();
    job?.cleanup();
  });
  return { h: () => h, job: () => job, readers, strict };
}

/** Runs the drill job and opens two live readers once its first lines are stored. */
async function startJobAndReaders(
  h: Harness,
  job: DrillJob,
  id: string,
  readers: ResumingSocket[],
): Promise<{ followed: IndexedEvent[]; follow: ReturnType<typeof followAll>; socket: ResumingSocket }> {
  await h.client.start({ command: job.command, executionId: id });
  await waitStoredPast(h.aws.store, id, 0);
  // Two live readers through the fault: the programmatic client's follow and a raw socket resuming by index.
  const followed: IndexedEvent[] = [];
  const follow = followAll(h.client.getHandle(id), (event) => followed.push(event));
  follow.catch(() => undefined);
  const socket = resumingSocket(`ws://127.0.0.1:${h.server.port}/ws`, id);
  readers.push(socket);
  await waitFor('both readers to receive events', async () =>
    followed.length > 0 && socket.events.length > 0 ? true : undefined,
  );
  return { followed, follow, socket };
}

/** The log is sealed exact and both readers saw every line once, in order. */
async function expectExactEverywhere(
  h: Harness,
  id: string,
  job: DrillJob,
  readers: { followed: IndexedEvent[]; follow: ReturnType<typeof followAll>; socket: ResumingSocket },
): Promise<void> {
  const n = await expectSealedExact(h.client, id, job);
  const expected = indexes(n).map((index) => ({ index, message: drillLine(index) }));
  expect(await readers.follow).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: n });
  expect(readers.followed.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
  expect(await readers.socket.done).toEqual({ status: 'SUCCEEDED', last_index: n });
  expect(readers.socket.events.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
}

/** A counter of the strict layer summed over `operations` ("dynamodb:PutItem", ...). */
function counted(stats: StrictStatsView, operations: readonly string[], counter: 'calls' | 'faulted'): number {
  return operations.reduce((sum, operation) => sum + (stats.operations[operation]?.[counter] ?? 0), 0);
}

describe('drill: CloudWatch Logs down 15 s mid-job', () => {
  const drill = useDrill();

  it(
    'loses and repeats no line the job printed through the fault',
    async () => {
      const [h, job] = [drill.h(), drill.job()];
      const id = newExecutionId('drill-logs-down');
      const readers = await startJobAndReaders(h, job, id, drill.readers);
      const logs = (stats: StrictStatsView) =>
        Object.entries(stats.operations)
          .filter(([operation]) => operation.startsWith('logs:'))
          .reduce((sum, [, counters]) => sum + counters.faulted, 0);
      const faultedBefore = logs(await drill.strict.stats());

      const injected = await drill.strict.fault({ service: 'logs', kind: 'outage', seconds: 15 });
      await waitFaultOver(drill.strict, injected);
      // The fault was felt: CloudWatch calls were refused while it lasted (the test itself makes none).
      expect(logs(await drill.strict.stats())).toBeGreaterThan(faultedBefore);
      // The job printed on through the fault and ingestion stores again: the tip grows past where it is now.
      await waitStoredPast(h.aws.store, id, await storedLastIndex(h.aws.store, id));

      job.end();
      await expectExactEverywhere(h, id, job, readers);
    },
    DRILL_TIMEOUT_MS,
  );
});

describe('drill: DynamoDB throttled 50 % from mid-job until the seal', () => {
  const drill = useDrill();
  const WRITES = ['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'];
  const READS = ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'];
  // The seal's writes to the record, its routes' and chunks' expiry (after a job ends, nothing else updates items).
  const SEAL = ['dynamodb:UpdateItem'];

  it(
    'stores, serves and seals while half the calls are refused; loses and repeats no line',
    async () => {
      const [h, job, strict] = [drill.h(), drill.job(), drill.strict];
      const id = newExecutionId('drill-ddb-throttled');
      const readers = await startJobAndReaders(h, job, id, drill.readers);
      const atStart = await strict.stats();
      // The tip when the fault begins (read just before it, the last DynamoDB call the test makes until the seal).
      const before = await storedLastIndex(h.aws.store, id);
      // No end set: the fault lasts until the test ends it, after the seal.
      const throttle = await strict.fault({ service: 'dynamodb', kind: 'throttle', fraction: 0.5 });

      // While it lasts the test reads no DynamoDB itself: it follows progress through the live socket (whose reads
      // are the API's), so every refused call counted below is logstream's own.
      const lastSeen = () => readers.socket.events.at(-1)?.index ?? 0;
      await waitFor(`line ${before + STORED_DURING_THROTTLE} stored and served during the fault`, async () =>
        lastSeen() > before + STORED_DURING_THROTTLE ? true : undefined,
      );
      const during = await waitFor('writes and reads refused during the fault', async () => {
        const stats = await strict.stats();
        const refused = (operations: readonly string[]) =>
          counted(stats, operations, 'faulted') - counted(atStart, operations, 'faulted');
        return refused(WRITES) > 0 && refused(READS) > 0 ? stats : undefined;
      });

      // The seal meets the fault: its updates are refused every time until the test sees one refused, then it runs
      // on under the 50 % throttle (still in force) until it is written.
      const sealRefused = await strict.fault({
        service: 'dynamodb',
        kind: 'throttle',
        operations: ['UpdateItem'],
      });
      const ending = await strict.stats();
      job.end();
      await waitFor('the seal refused during the fault', async () =>
        counted(await strict.stats(), SEAL, 'faulted') > counted(ending, SEAL, 'faulted') ? true : undefined,
      );
      await strict.endFault(sealRefused);
      await waitSealed(h.client, id, 180_000);
      const sealedUnder = await strict.state();
      expect(sealedUnder.faults.map((fault) => fault.id)).toEqual([throttle]);
      const sealWrites = counted(sealedUnder.stats, SEAL, 'calls') - counted(sealedUnder.stats, SEAL, 'faulted');
      expect(sealWrites).toBeGreaterThan(counted(during, SEAL, 'calls') - counted(during, SEAL, 'faulted'));
      await strict.endFault(throttle);

      await expectExactEverywhere(h, id, job, readers);
    },
    DRILL_TIMEOUT_MS,
  );
});
