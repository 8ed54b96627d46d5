// Drills: an AWS dependency fails for a while (injected by the strict AWS layer) while a managed job keeps printing.
// - CloudWatch Logs down for 15 s (every call answered 503): the shipper and the ingest loop must ride it out.
// - DynamoDB throttled 50 % for 20 s (ProvisionedThroughputExceededException): the ingest appends, the API's reads
//   and the seal all see it, and ingestion goes on while half the calls are refused.
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
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';
import { resumingSocket, type ResumingSocket } from '../../support/resuming-socket';
import type { FaultSpec } from '../../../src/devstack/strict-aws/faults';
import { strictAws, type StrictAwsControl } from '../../support/strict-aws';

interface Drill {
  readonly name: string;
  readonly idPrefix: string;
  readonly fault: FaultSpec;
  /** Lines that must be stored while the fault lasts (0: the dependency is down, nothing can be stored). */
  readonly storedDuringFault: number;
}

const DRILLS: readonly Drill[] = [
  {
    name: 'CloudWatch Logs down 15 s mid-job',
    idPrefix: 'drill-logs-down',
    fault: { service: 'logs', kind: 'outage', seconds: 15 },
    storedDuringFault: 0,
  },
  {
    name: 'DynamoDB throttled 50 % for 20 s mid-job',
    idPrefix: 'drill-ddb-throttled',
    fault: { service: 'dynamodb', kind: 'throttle', fraction: 0.5, seconds: 20 },
    storedDuringFault: 50,
  },
];

describe.each(DRILLS)('drill: $name', ({ idPrefix, fault, storedDuringFault }) => {
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
    'loses and repeats no line the job printed through the fault',
    async () => {
      const id = newExecutionId(idPrefix);
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
      const faultedBefore = await faultedCalls(strict, fault.service);

      const injected = await strict.fault(fault);
      if (storedDuringFault > 0) await waitStoredPast(h.aws.store, id, before + storedDuringFault);
      await waitFaultOver(strict, injected);
      // The fault was felt: calls to the service were refused while it lasted.
      expect(await faultedCalls(strict, fault.service)).toBeGreaterThan(faultedBefore);
      // The job printed on through the fault and ingestion stores again: the tip grows past where it is now.
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

/** Calls to `service` the strict layer refused for an injected fault, so far. */
async function faultedCalls(strict: StrictAwsControl, service: string): Promise<number> {
  const { operations } = await strict.stats();
  return Object.entries(operations)
    .filter(([operation]) => operation.startsWith(`${service}:`))
    .reduce((sum, [, counters]) => sum + counters.faulted, 0);
}
