// Drill: DynamoDB throttled 50 % for 20 s (ProvisionedThroughputExceededException from the strict AWS layer) while a
// managed job prints: the ingest appends, the API's reads and the seal all see it. Once it is over the log is sealed
// exact, 1..N.
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
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';
import { resumingSocket, type ResumingSocket } from '../../support/resuming-socket';
import { strictAws, type StrictAwsControl } from '../../support/strict-aws';

describe('drill: DynamoDB throttled 50 % for 20 s mid-job', () => {
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

  it(
    'stores every line exactly once through the throttling',
    async () => {
      const id = newExecutionId('drill-ddb-throttled');
      await h.client.run(job.command, id);
      const before = await waitStoredPast(h.aws.store, id, 0);
      // Two live readers through the fault: the programmatic client's follow and a raw socket resuming by index.
      const followed: IndexedEvent[] = [];
      const follow = h.client.follow(id, (event) => followed.push(event));
      follow.catch(() => undefined);
      const socket = resumingSocket(`ws://127.0.0.1:${h.server.port}/ws`, id);
      readers.push(socket);
      await waitFor('both readers to receive events', async () =>
        followed.length > 0 && socket.events.length > 0 ? true : undefined,
      );
      const throttledBefore = await throttledCalls(strict);

      const fault = await strict.fault({ service: 'dynamodb', kind: 'throttle', fraction: 0.5, seconds: 20 });
      // Ingestion goes on while half the calls are refused (the SDK and the store retry them).
      await waitStoredPast(h.aws.store, id, before + 50);
      await waitFaultOver(strict, fault);
      expect(await throttledCalls(strict)).toBeGreaterThan(throttledBefore);
      await waitStoredPast(h.aws.store, id, await storedLastIndex(h.aws.store, id));

      job.end();
      const n = await expectSealedExact(h.client, id, job);
      const expected = indexes(n).map((index) => ({ index, message: drillLine(index) }));
      expect(await follow).toMatchObject({ status: 'SUCCEEDED', sealed: true, last_index: n });
      expect(followed.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
      expect(await socket.done).toEqual({ status: 'SUCCEEDED', last_index: n });
      expect(socket.events.map((e) => ({ index: e.index, message: e.message }))).toEqual(expected);
    },
    DRILL_TIMEOUT_MS,
  );
});

/** DynamoDB calls the strict layer refused for an injected fault, so far. */
async function throttledCalls(strict: StrictAwsControl): Promise<number> {
  const { operations } = await strict.stats();
  return Object.entries(operations)
    .filter(([operation]) => operation.startsWith('dynamodb:'))
    .reduce((sum, [, counters]) => sum + counters.faulted, 0);
}
