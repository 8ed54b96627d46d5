import { randomUUID } from 'node:crypto';
import { provisionAws } from '../../src/compose/wiring';
import { forwarderWorkflowId } from '../../workflows/forwarder-workflow';
import { startHarness, testConfig, type Harness } from './harness';

/**
 * The settings of a test with a log group and a Kinesis stream of its own (forwarders are keyed by stream, and
 * outlive the worker that started them), named after `prefix`, beside `extra`.
 */
export function ownStreamEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  const suffix = randomUUID().slice(0, 8);
  return {
    LOGSTREAM_INGEST: 'push',
    LOGSTREAM_LOG_GROUP: `/logstream/${prefix}-${suffix}`,
    LOGSTREAM_KINESIS_STREAM: `logstream-${prefix}-${suffix}`,
    ...extra,
  };
}

/** Provisions the group and the stream of `env` as the stack launcher does, and starts a harness on them. */
export async function startOwnStreamHarness(env: Record<string, string>): Promise<Harness> {
  await provisionAws(testConfig(env));
  return startHarness({ env });
}

/** Terminates the forwarders of the harness's stream: durable workflows, they would outlive the test. */
export async function endForwarders(h: Harness): Promise<void> {
  const streamName = h.config.kinesisStream;
  for (const shard of await h.aws.shards.listShards(streamName)) {
    await h.temporal.workflow
      .getHandle(forwarderWorkflowId(streamName, shard.shardId))
      .terminate('test over')
      .catch(() => undefined);
  }
}

/**
 * Starts a harness on the own stream of `env` before the file's tests, and ends it and its forwarders after them;
 * returns how to get it.
 */
export function useOwnStreamHarness(env: Record<string, string>): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startOwnStreamHarness(env);
  });
  afterAll(async () => {
    if (h === undefined) return;
    await endForwarders(h);
    await h.stop();
  });
  return () => {
    if (h === undefined) throw new Error('the harness did not start');
    return h;
  };
}
