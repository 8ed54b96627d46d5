// DynamoDB reads per API node per second while 300 sockets tail 30 running push executions, with one API node and
// with three behind HAProxy (round robin, no affinity): each node runs one tail per watched execution, so a node's
// reads follow the executions it watches, not its sockets.
import { randomUUID } from 'node:crypto';
import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { createAwsAdapters, provisionAws } from '../src/compose/wiring';
import { forwarderWorkflowId } from '../workflows/forwarder-workflow';
import { startApiProcess, type ApiProcess } from '../test/support/api-process';
import { startLineWriter, type LineWriter } from '../test/support/external-job';
import { startHaproxy } from '../test/support/haproxy-process';
import { resumingSocket, ticketedUrl } from '../test/support/resuming-socket';
import { startWorkerChild } from '../test/support/worker-child';
import { Client, Connection } from '@temporalio/client';
import { dynamoDbCalls } from './services';

const EXECUTIONS = 30;
const SOCKETS_PER_EXECUTION = 10;
const MEASURE_MS = 20_000;
const KEY = 'bench-scale-out-key-0123456789';
const READS = new Set(['GetItem', 'BatchGetItem', 'Query']);

async function nodeReads(node: ApiProcess): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  return dynamoDbCalls(text, READS);
}

/** One round: `nodes` API processes and one worker on a log group and stream of their own. */
async function round(env: Record<string, string>, config: (env?: Record<string, string>) => Config, nodes: number) {
  const suffix = randomUUID().slice(0, 8);
  const roundEnv = {
    ...env,
    LOGSTREAM_INGEST: 'push',
    LOGSTREAM_LOG_GROUP: `/logstream/bench-scale-${suffix}`,
    LOGSTREAM_KINESIS_STREAM: `logstream-bench-scale-${suffix}`,
    LOGSTREAM_TASK_QUEUE: `bench-scale-${suffix}`,
    LOGSTREAM_API_KEYS: KEY,
    LOGSTREAM_TICKET_SECRET: 'bench-ticket-secret-0123456789abcdef',
    LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: '1000',
  };
  const roundConfig = config(roundEnv);
  await provisionAws(roundConfig);
  const aws = createAwsAdapters(roundConfig);
  const worker = await startWorkerChild(roundEnv);
  const apis: ApiProcess[] = [];
  for (let i = 0; i < nodes; i++) apis.push(await startApiProcess(roundEnv));
  const haproxy = await startHaproxy(apis.map((api) => `127.0.0.1:${api.port}`));
  const client = new LogstreamClient({ url: haproxy.url, apiKey: KEY });
  const writers: LineWriter[] = [];
  const sockets: ReturnType<typeof resumingSocket>[] = [];
  try {
    const target = { aws, config: roundConfig };
    for (let i = 0; i < EXECUTIONS; i++) {
      const executionId = `bench-scale-${suffix}-${i}`;
      const stream = `external/${executionId}`;
      await client.start({ logGroup: roundConfig.logGroup, logStream: stream, executionId });
      await aws.source.createStream(roundConfig.logGroup, stream);
      writers.push(startLineWriter(target, executionId, stream, { batch: 5, intervalMs: 250 }));
    }
    const wsBase = `${haproxy.url.replace(/^http/, 'ws')}/ws`;
    for (const writer of writers) {
      for (let s = 0; s < SOCKETS_PER_EXECUTION; s++) {
        sockets.push(resumingSocket(wsBase, writer.executionId, 0, 600_000, ticketedUrl(client, writer.executionId)));
      }
    }
    const deadline = Date.now() + 300_000;
    while (!sockets.every((socket) => socket.lastIndex > 0)) {
      if (Date.now() > deadline) throw new Error('not every socket received events in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const before = await Promise.all(apis.map(nodeReads));
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    const after = await Promise.all(apis.map(nodeReads));
    const seconds = (Date.now() - started) / 1000;
    const perNode = after.map((reads, i) => (reads - (before[i] ?? 0)) / seconds);
    const events = sockets.reduce((sum, socket) => sum + socket.events.length, 0);
    return {
      perNodeMax: Math.max(...perNode),
      perNodeMean: perNode.reduce((a, b) => a + b, 0) / perNode.length,
      total: perNode.reduce((a, b) => a + b, 0),
      eventsReceived: events,
    };
  } finally {
    for (const socket of sockets) socket.close();
    await Promise.all(writers.map((w) => w.stop()));
    await haproxy.stop();
    for (const api of apis) await api.stop();
    // The SDK's runtime turns SIGTERM into a graceful shutdown that leaves the process up: the worker is killed.
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    const connection = await Connection.connect({ address: roundConfig.temporalAddress });
    const temporal = new Client({ connection, namespace: roundConfig.temporalNamespace });
    for (const writer of writers) {
      await temporal.workflow
        .getHandle(writer.executionId)
        .terminate('bench over')
        .catch(() => undefined);
    }
    for (const shard of await aws.shards.listShards(roundConfig.kinesisStream)) {
      await temporal.workflow
        .getHandle(forwarderWorkflowId(roundConfig.kinesisStream, shard.shardId))
        .terminate('bench over')
        .catch(() => undefined);
    }
    await connection.close();
    aws.destroy();
  }
}

/** The figures of one node against three, the same load. */
export async function benchScaleOut(
  env: Record<string, string>,
  config: (env?: Record<string, string>) => Config,
): Promise<Record<string, number>> {
  const one = await round(env, config, 1);
  const three = await round(env, config, 3);
  return {
    executions: EXECUTIONS,
    sockets: EXECUTIONS * SOCKETS_PER_EXECUTION,
    one_node_dynamodb_reads_per_s: one.perNodeMax,
    three_nodes_dynamodb_reads_per_node_per_s_max: three.perNodeMax,
    three_nodes_dynamodb_reads_per_node_per_s_mean: three.perNodeMean,
    three_nodes_dynamodb_reads_per_s_total: three.total,
    total_ratio_three_vs_one: three.total / one.total,
  };
}
