// Drill: the worker running the shard forwarder is SIGKILLed twice while several push executions are written to, each
// kill only once the store grew since the one before (so it lands while the forwarder is storing). The forwarder's
// consumer resumes on the next worker from its last heartbeat's checkpoint, replaying what it read since; every
// sealed log must be exact: indexes 1..N, each line once, in order.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { provisionAws } from '../../../src/compose/wiring';
import { forwarderWorkflowId } from '../../../workflows/forwarder-workflow';
import { DRILL_TIMEOUT_MS, indexes, storedLastIndex } from '../../support/drill';
import { startLineWriter, writerLine, type LineWriter } from '../../support/external-job';
import {
  newExecutionId,
  readAllLogs,
  startHarness,
  testConfig,
  waitFor,
  waitSealed,
  type Harness,
} from '../../support/harness';
import { startWorkerChild } from '../../support/worker-child';

const EXECUTIONS = 4;
const KILLS = 2;
// A log group and Kinesis stream of the drill's own: its forwarder is the only one reading them.
const suffix = randomUUID().slice(0, 8);
const env = {
  LOGSTREAM_INGEST: 'push',
  LOGSTREAM_LOG_GROUP: `/logstream/drill-forwarder-${suffix}`,
  LOGSTREAM_KINESIS_STREAM: `logstream-drill-forwarder-${suffix}`,
};

describe('drill: the forwarder’s worker killed mid-stream', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  const writers: LineWriter[] = [];

  beforeAll(async () => {
    await provisionAws(testConfig(env));
    // The API runs here; the worker (executions' activities and the forwarder) runs in a child this test kills.
    h = await startHarness({ worker: false, env });
  });
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    worker?.kill('SIGKILL');
    for (const shard of (await h?.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM)) ?? []) {
      await h.temporal.workflow
        .getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shard.shardId))
        .terminate('drill over')
        .catch(() => undefined);
    }
    await h?.stop();
  });

  const storedTotal = async (): Promise<number> => {
    let total = 0;
    for (const w of writers) total += await storedLastIndex(h.aws.store, w.executionId);
    return total;
  };

  it(
    'every push execution seals exact after two SIGKILLs of the worker running the forwarder',
    async () => {
      worker = await startWorkerChild({ ...env, LOGSTREAM_TASK_QUEUE: h.config.taskQueue, LOGSTREAM_SETTLE_MS: '500' });
      for (let i = 0; i < EXECUTIONS; i++) {
        const executionId = newExecutionId('fwd-drill');
        const stream = `external/${executionId}`;
        const view = await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId });
        expect(view.executionId).toBe(executionId);
        // Registration (a workflow task and an activity on the freshly started worker) routes the stream first.
        await waitFor(
          `${executionId} registered for push`,
          async () => ((await h.aws.store.getExecution(executionId))?.ingest === 'push' ? true : undefined),
          DRILL_TIMEOUT_MS / 4,
        );
        await h.aws.source.createStream(h.config.logGroup, stream);
        writers.push(startLineWriter(h, executionId, stream, { batch: 20, intervalMs: 200 }));
      }

      let storedAtKill = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        // The forwarder (on this worker) is storing: the store grew since the previous kill.
        const grown = await waitFor(
          `the forwarder storing on worker ${kill + 1}`,
          async () => {
            const total = await storedTotal();
            return total > storedAtKill + 50 ? total : undefined;
          },
          DRILL_TIMEOUT_MS / 4,
        );
        const exited = new Promise((resolve) => worker?.once('exit', resolve));
        worker.kill('SIGKILL');
        await exited;
        storedAtKill = await storedTotal();
        expect(storedAtKill).toBeGreaterThanOrEqual(grown);
        worker = await startWorkerChild({
          ...env,
          LOGSTREAM_TASK_QUEUE: h.config.taskQueue,
          LOGSTREAM_SETTLE_MS: '500',
        });
      }
      // The last worker's forwarder takes over once the killed one's consumer times out, and catches up.
      await waitFor(
        'the forwarder storing after the last kill',
        async () => ((await storedTotal()) > storedAtKill ? true : undefined),
        DRILL_TIMEOUT_MS / 4,
      );
      await Promise.all(writers.map((w) => w.stop()));
      for (const w of writers) await h.client.getHandle(w.executionId).complete({ status: 'SUCCEEDED' });

      for (const w of writers) {
        const view = await waitSealed(h.client, w.executionId, DRILL_TIMEOUT_MS / 2);
        const n = w.written();
        expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: n });
        const { events, sources } = await readAllLogs(h.client, w.executionId);
        expect(sources).toEqual(new Set(['dynamodb']));
        expect(events.map((e) => e.index)).toEqual(indexes(n));
        expect(events.map((e) => e.message)).toEqual(indexes(n).map((i) => writerLine(w.executionId, i)));
      }
    },
    DRILL_TIMEOUT_MS,
  );
});
