// Drill: the Temporal dev server is SIGKILLed and restarted (same port, same SQLite file) while a managed job runs
// and its log is being stored. The job's process lives in the worker, which survives; the execution must still end
// sealed with every line exactly once.
import {
  DRILL_TIMEOUT_MS,
  drillJob,
  expectSealedExact,
  storedLastIndex,
  waitStoredPast,
  type DrillJob,
} from '../../support/drill';
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';
import { startTemporalDevServer, type TemporalDevServer } from '../../support/temporal-server';

describe('drill: Temporal dev server killed and restarted mid-job', () => {
  let temporal: TemporalDevServer;
  let h: Harness;
  let job: DrillJob;

  beforeAll(async () => {
    temporal = await startTemporalDevServer();
    h = await startHarness({
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        // The command runner is not retried (a job must not run twice): an outage longer than its heartbeat timeout
        // ends the execution FAILED (seen with a 20 s timeout and a 40 s outage). The runner has its own, longer
        // timeout (LOGSTREAM_COMMAND_HEARTBEAT_TIMEOUT_MS, 120 s by default): the drill runs on that default, while
        // the harness keeps the ingest's timeout at 3 s.
      },
    });
    job = drillJob();
  });
  afterAll(async () => {
    job?.end();
    await h?.stop();
    await temporal?.stop();
    job?.cleanup();
  });

  it(
    'seals the log exact, indexes 1..N, after two kills of the server while the log is storing',
    async () => {
      const id = newExecutionId('drill-temporal');
      await h.client.start({ command: job.command, executionId: id });
      let tip = await waitStoredPast(h.aws.store, id, 0);

      for (let kill = 0; kill < 2; kill++) {
        // Kill only while ingestion is storing: the tip grew since the last restart.
        tip = await waitStoredPast(h.aws.store, id, tip);
        await temporal.kill();
        // The job, its shipper and the ingest loop live in the worker: lines keep reaching the store meanwhile.
        // Stay down for 50 more stored lines, so the outage spans real work.
        tip = await waitStoredPast(h.aws.store, id, tip + 50);
        await temporal.restart();
        await waitFor('the API to see the execution RUNNING again', async () =>
          (await h.client.getHandle(id).describe()).status === 'RUNNING' ? true : undefined,
        );
        tip = await waitStoredPast(h.aws.store, id, await storedLastIndex(h.aws.store, id));
      }

      job.end();
      const n = await expectSealedExact(h.client, id, job);
      expect(n).toBeGreaterThanOrEqual(tip);
    },
    DRILL_TIMEOUT_MS,
  );
});
