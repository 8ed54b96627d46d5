// More than one of each process, against one local stack: two workers and three API processes behind HAProxy (round
// robin, no affinity), 300 sockets tailing 30 running push executions, each socket's ticket taken from whichever node
// answers its /logs (mostly not the one that takes its upgrade). One API node is SIGKILLed while every socket
// streams: its sockets resume on the others with tickets they issue. Then a worker is SIGKILLed while the store
// grows. Every tail and every sealed log must come out exact: indexes 1..N, each line once, in order.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { LogstreamClient } from '../../src/client/client';
import { provisionAws } from '../../src/compose/wiring';
import { forwarderWorkflowId } from '../../workflows/forwarder-workflow';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { DRILL_TIMEOUT_MS, indexes, storedLastIndex } from '../support/drill';
import { startLineWriter, writerLine, type LineWriter } from '../support/external-job';
import { startHaproxy, type HaproxyProcess } from '../support/haproxy-process';
import {
  newExecutionId,
  readAllLogs,
  startHarness,
  testConfig,
  TEST_TICKET_SECRET,
  waitFor,
  waitSealed,
  type Harness,
} from '../support/harness';
import { resumingSocket, ticketedUrl, type ResumingSocket } from '../support/resuming-socket';
import { startWorkerChild } from '../support/worker-child';

const EXECUTIONS = 30;
const SOCKETS_PER_EXECUTION = 10;
const API_NODES = 3;
const KEY = 'scale-out-test-key-0123456789';
const suffix = randomUUID().slice(0, 8);
const env = {
  LOGSTREAM_INGEST: 'push',
  LOGSTREAM_LOG_GROUP: `/logstream/scale-out-${suffix}`,
  LOGSTREAM_KINESIS_STREAM: `logstream-scale-out-${suffix}`,
  LOGSTREAM_API_KEYS: KEY,
  LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET,
  LOGSTREAM_TASK_QUEUE: `scale-out-${suffix}`,
  LOGSTREAM_SETTLE_MS: '500',
  LOGSTREAM_POLL_MIN_MS: '50',
  LOGSTREAM_POLL_MAX_MS: '400',
  LOGSTREAM_HEARTBEAT_TIMEOUT_MS: '3000',
  // 300 sockets come from one address here (HAProxy's).
  LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '1000',
};

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Open sockets on an API node, from its /metrics. */
async function openSockets(node: ApiProcess): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  return Number(/^logstream_ws_open_sockets (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('two workers and three API processes behind HAProxy', () => {
  let h: Harness;
  let haproxy: HaproxyProcess | undefined;
  const apis: ApiProcess[] = [];
  const workers: ChildProcess[] = [];
  const writers: LineWriter[] = [];
  const sockets: { executionId: string; socket: ResumingSocket }[] = [];

  beforeAll(async () => {
    await provisionAws(testConfig(env));
    // This process only writes the jobs' lines and reads the store: no API or worker of its own serves the test.
    h = await startHarness({ worker: false, env });
  }, DRILL_TIMEOUT_MS);

  afterAll(async () => {
    for (const { socket } of sockets) socket.close();
    await Promise.all(writers.map((w) => w.stop()));
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) await kill(worker);
    for (const api of apis) await api.stop('SIGKILL');
    await haproxy?.stop();
    for (const shard of (await h?.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM)) ?? []) {
      await h.temporal.workflow
        .getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shard.shardId))
        .terminate('test over')
        .catch(() => undefined);
    }
    await h?.stop();
  }, DRILL_TIMEOUT_MS);

  it(
    'keeps every tail and every sealed log exact through an API node and a worker SIGKILLed mid-stream',
    async () => {
      for (let i = 0; i < 2; i++) workers.push(await startWorkerChild(env));
      for (let i = 0; i < API_NODES; i++) apis.push(await startApiProcess(env));
      haproxy = await startHaproxy(apis.map((api) => `127.0.0.1:${api.port}`));
      const client = new LogstreamClient({ url: haproxy.url, apiKey: KEY });

      for (let i = 0; i < EXECUTIONS; i++) {
        const executionId = newExecutionId('scale-out');
        const stream = `external/${executionId}`;
        await client.start({ logGroup: h.config.logGroup, logStream: stream, executionId });
        await waitFor(`${executionId} registered for push`, async () =>
          (await h.aws.store.getExecution(executionId))?.ingest === 'push' ? true : undefined,
        );
        await h.aws.source.createStream(h.config.logGroup, stream);
        writers.push(startLineWriter(h, executionId, stream, { batch: 5, intervalMs: 250 }));
      }

      // Each connection takes a ticket from whichever node answers its /logs through the balancer.
      const wsBase = `${haproxy.url.replace(/^http/, 'ws')}/ws`;
      for (const writer of writers) {
        for (let s = 0; s < SOCKETS_PER_EXECUTION; s++) {
          sockets.push({
            executionId: writer.executionId,
            socket: resumingSocket(
              wsBase,
              writer.executionId,
              0,
              DRILL_TIMEOUT_MS,
              ticketedUrl(client, writer.executionId),
            ),
          });
        }
      }
      expect(sockets).toHaveLength(EXECUTIONS * SOCKETS_PER_EXECUTION);

      // Every socket streams, and every node holds some of them (round robin, no affinity).
      await waitFor('every socket receiving', async () =>
        sockets.every(({ socket }) => socket.lastIndex > 0) ? true : undefined,
      );
      const perNode = await Promise.all(apis.map(openSockets));
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(sockets.length);
      for (const count of perNode) expect(count).toBeGreaterThan(0);

      // An API node SIGKILLed mid-stream: its sockets drop and resume on the other nodes.
      const victim = apis[1] as ApiProcess;
      const connectionsBefore = sockets.map(({ socket }) => socket.connections);
      await victim.stop('SIGKILL');
      // The dead node's sockets reconnect (through the balancer, to the others); a socket there may still take a few
      // events already sent before it sees the drop, so the reconnections are waited for, not the first new event.
      const resumed = (): number =>
        sockets.filter(({ socket }, i) => socket.connections > (connectionsBefore[i] ?? 0)).length;
      await waitFor('the dead node’s sockets reconnected', async () =>
        resumed() >= (perNode[1] ?? 0) ? true : undefined,
      );
      expect(resumed()).toBe(perNode[1]);
      const atResume = sockets.map(({ socket }) => socket.lastIndex);
      await waitFor('every socket receiving again after the API node died', async () =>
        sockets.every(({ socket }, i) => socket.lastIndex > (atResume[i] ?? 0)) ? true : undefined,
      );
      const survivors = [apis[0], apis[2]] as ApiProcess[];
      expect((await Promise.all(survivors.map(openSockets))).reduce((a, b) => a + b, 0)).toBe(sockets.length);

      // A worker SIGKILLed while the store grows: the other one carries the forwarding and the seals.
      const storedTotal = async (): Promise<number> => {
        let total = 0;
        for (const w of writers) total += await storedLastIndex(h.aws.store, w.executionId);
        return total;
      };
      const beforeWorkerKill = await storedTotal();
      await kill(workers[0] as ChildProcess);
      await waitFor(
        'the store growing after the worker died',
        async () => ((await storedTotal()) > beforeWorkerKill + EXECUTIONS * 10 ? true : undefined),
        DRILL_TIMEOUT_MS / 4,
      );

      await Promise.all(writers.map((w) => w.stop()));
      for (const w of writers)
        await client.getHandle(w.executionId).complete({ status: 'SUCCEEDED', eventCount: w.written() });

      for (const w of writers) {
        const n = w.written();
        const view = await waitSealed(client, w.executionId, DRILL_TIMEOUT_MS / 2);
        expect(view).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: n });
        const { events } = await readAllLogs(client, w.executionId);
        expect(events.map((e) => e.index)).toEqual(indexes(n));
        expect(events.map((e) => e.message)).toEqual(indexes(n).map((i) => writerLine(w.executionId, i)));
      }
      for (const { executionId, socket } of sockets) {
        const n = writers.find((w) => w.executionId === executionId)?.written() ?? -1;
        await expect(socket.done).resolves.toEqual({ status: 'SUCCEEDED', last_index: n });
        expect(socket.events.map((e) => e.index)).toEqual(indexes(n));
        expect(socket.events.map((e) => e.message)).toEqual(indexes(n).map((i) => writerLine(executionId, i)));
      }
    },
    DRILL_TIMEOUT_MS,
  );
});
