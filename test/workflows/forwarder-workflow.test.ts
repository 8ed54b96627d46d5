import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  createForwarderActivities,
  type ForwardShardInput,
  type ForwardShardResult,
} from '../../activities/push/forwarder-activities';
import { TemporalForwarderDirectory } from '../../src/adapters/temporal/temporal-forwarder-directory';
import {
  forwarderWorkflowId,
  type ShardForwarderInput,
  type ShardForwarderResult,
} from '../../workflows/forwarder-workflow';
import { waitFor } from '../support/harness';
import { InMemoryLogStore } from '../support/fakes';
import { InMemoryShardSource } from '../support/fake-shard-source';
import { MapRegistry } from '../support/shard-consumer-world';
import { bundleWorkflows, createLocalWorkflowEnv } from '../support/workflow-env';

type Activities = ReturnType<typeof createForwarderActivities>;

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([createLocalWorkflowEnv(), bundleWorkflows()]);
});

afterAll(async () => {
  await env?.teardown();
});

describe('shardForwarderWorkflow', () => {
  it('continues as new before its history grows, carrying the checkpoint; a closed shard starts its children, then ends', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const streamName = `stream-${randomUUID()}`;
    const calls: string[] = [];
    const inputs: ForwardShardInput[] = [];
    let round = 0;
    const activities: Activities = {
      awaitParentShards: async () => {
        calls.push('awaitParentShards');
      },
      forwardShard: async (input): Promise<ForwardShardResult> => {
        inputs.push(input);
        calls.push('forwardShard');
        round++;
        // Each round stores a little more; the fifth finds the shard closed and read to its end.
        return round < 5
          ? {
              checkpoint: `4959000000000000000000000000000000000000000000000000000${round}`,
              closed: false,
              childShardIds: [],
            }
          : { closed: true, childShardIds: ['shardId-000000000001'] };
      },
      startShardForwarders: async (input) => {
        calls.push(`startShardForwarders ${input.streamName}`);
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities,
      shutdownGraceTime: '2s',
    });
    const input: ShardForwarderInput = { streamName, shardId: 'shardId-000000000000', roundsPerRun: 2 };
    const { result, runs } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('shardForwarderWorkflow', {
        taskQueue,
        workflowId: forwarderWorkflowId(streamName, input.shardId),
        args: [input],
      });
      const result = (await handle.result()) as ShardForwarderResult;
      const runs: string[] = [];
      for await (const info of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs.push(info.status.name);
      }
      return { result, runs };
    });
    expect(inputs.map((i) => i.checkpoint?.slice(-1))).toEqual([undefined, '1', '2', '3', '4']);
    // Two rounds per run: five rounds are three runs, the first two continued as new.
    expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    // Parents are awaited once (a continued run knows they are done); the children are started after the last round.
    expect(calls).toEqual([
      'awaitParentShards',
      'forwardShard',
      'forwardShard',
      'forwardShard',
      'forwardShard',
      'forwardShard',
      `startShardForwarders ${streamName}`,
    ]);
    expect(result).toEqual({
      streamName,
      shardId: 'shardId-000000000000',
      checkpoint: '49590000000000000000000000000000000000000000000000000004',
      childShardIds: ['shardId-000000000001'],
    });
  });

  it('a round failing for good leaves the forwarder running (nobody restarts it), resting, then a new run resumes from the checkpoint', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const streamName = `stream-${randomUUID()}`;
    const inputs: ForwardShardInput[] = [];
    let failed: () => void = () => undefined;
    const failedOnce = new Promise<void>((resolve) => (failed = resolve));
    let resume: () => void = () => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const activities: Activities = {
      awaitParentShards: async () => undefined,
      forwardShard: async (input): Promise<ForwardShardResult> => {
        inputs.push(input);
        if (inputs.length === 1)
          return {
            checkpoint: '49590000000000000000000000000000000000000000000000000001',
            closed: false,
            childShardIds: [],
          };
        if (inputs.length === 2) {
          failed();
          throw ApplicationFailure.create({
            type: 'SHARD_FORWARDING_FAILED',
            message: 'stream deleted',
            nonRetryable: true,
          });
        }
        await resumed;
        return { closed: true, childShardIds: [] };
      },
      startShardForwarders: async () => undefined,
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    const input: ShardForwarderInput = { streamName, shardId: 'shardId-000000000000', pauseAfterFailure: '2s' };
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('shardForwarderWorkflow', {
        taskQueue,
        workflowId: forwarderWorkflowId(streamName, input.shardId),
        args: [input],
      });
      await failedOnce;
      // Resting after the failure: still running, so neither the workers nor a waiting child start it again.
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await waitFor('a new run after the rest', async () => (inputs.length === 3 ? true : undefined));
      resume();
      await handle.result();
      const runs: string[] = [];
      for await (const info of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs.push(info.status.name);
      }
      expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW']);
    });
    // One attempt of the failed round (non-retryable), then the new run from the checkpoint of the round before.
    expect(inputs.map((i) => i.checkpoint?.slice(-1))).toEqual([undefined, '1', '1']);
  });

  it("forwards a split stream in order: the children's forwarders read only after the parent's completed", async () => {
    const taskQueue = `test-${randomUUID()}`;
    const streamName = `stream-${randomUUID()}`;
    const parent = 'shardId-000000000000';
    const children = ['shardId-000000000001', 'shardId-000000000002'];
    const source = new InMemoryShardSource({ now: Date.now, streamName });
    const store = new InMemoryLogStore();
    const registry = new MapRegistry();
    const location = { logGroup: '/logstream/test', logStreams: ['a', 'b'] };
    await store.registerExecution({ executionId: 'e1', location, startedAt: Date.now(), ingest: 'push' });
    for (const logStream of location.logStreams)
      await registry.putRoute({ logGroup: location.logGroup, logStream, executionId: 'e1' });
    let id = 0;
    const put = (shardId: string, logStream: string, from: number, count: number): void => {
      const events = Array.from({ length: count }, (_, i) => ({
        id: String(++id),
        timestamp: Date.now(),
        message: `${logStream} ${from + i}`,
      }));
      source.putData(shardId, location.logGroup, logStream, events);
    };
    source.addShard(parent);
    put(parent, 'a', 1, 3);
    put(parent, 'b', 1, 3);
    put(parent, 'a', 4, 3);
    source.closeShard(parent);
    for (const child of children) source.addShard(child, { parentShardId: parent });
    put(children[0] ?? '', 'a', 7, 3);
    put(children[1] ?? '', 'b', 4, 3);

    const directory = new TemporalForwarderDirectory({ client: env.client, taskQueue });
    const firstReads = new Map<string, number>();
    const real = createForwarderActivities({
      shards: source,
      registry,
      store,
      forwarders: directory,
      consumer: { maxRunMs: 2000, progressEveryMs: 200 },
    });
    const activities: Activities = {
      ...real,
      forwardShard: async (input) => {
        if (!firstReads.has(input.shardId)) firstReads.set(input.shardId, Date.now());
        return real.forwardShard(input);
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities,
      maxHeartbeatThrottleInterval: '200ms',
      shutdownGraceTime: '2s',
    });
    await worker.runUntil(async () => {
      // Children first, as a worker starting the whole set may: they wait for their parent anyway.
      for (const child of children) await directory.start(streamName, child);
      await directory.start(streamName, parent);
      const parentHandle = env.client.workflow.getHandle(forwarderWorkflowId(streamName, parent));
      await parentHandle.result();
      const parentClosedAt = (await parentHandle.describe()).closeTime?.getTime() ?? Number.NaN;
      await waitFor('both children to store their lines', async () =>
        store.events('e1').length === 15 ? true : undefined,
      );
      for (const child of children) expect(firstReads.get(child)).toBeGreaterThanOrEqual(parentClosedAt);
      // A completed forwarder of a closed shard is not started again.
      const before = (await parentHandle.describe()).runId;
      await directory.start(streamName, parent);
      const after = await parentHandle.describe();
      expect(after.runId).toBe(before);
      expect(after.status.name).toBe('COMPLETED');
      expect(await directory.state(streamName, parent)).toBe('completed');
      expect(await directory.state(streamName, children[0] ?? '')).toBe('running');
      for (const child of children) {
        await env.client.workflow.getHandle(forwarderWorkflowId(streamName, child)).terminate('test over');
      }
    });
    const messages = store.events('e1').map((e) => e.message);
    // Each stream in its order; the parent's lines of a stream before its child's.
    expect(messages.filter((m) => m.startsWith('a '))).toEqual([
      'a 1',
      'a 2',
      'a 3',
      'a 4',
      'a 5',
      'a 6',
      'a 7',
      'a 8',
      'a 9',
    ]);
    expect(messages.filter((m) => m.startsWith('b '))).toEqual(['b 1', 'b 2', 'b 3', 'b 4', 'b 5', 'b 6']);
    expect(messages.slice(0, 9)).toEqual(['a 1', 'a 2', 'a 3', 'b 1', 'b 2', 'b 3', 'a 4', 'a 5', 'a 6']);
    expect(registry.reports.some((p) => p.shardId === parent && p.closed)).toBe(true);
  });
});
