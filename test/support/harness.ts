import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { LogstreamClient, type ExecutionDescription } from '../../src/client/client';
import { loadConfig, type Config } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main/server';
import { createAwsAdapters, type AwsAdapters } from '../../src/compose/wiring';
import { startWorker, type RunningWorker } from '../../src/main/worker';

/** A worker and/or an API server on the test stack, with clients to drive them. */
export interface Harness {
  readonly config: Config;
  readonly server: RunningServer;
  readonly worker: RunningWorker | undefined;
  readonly client: LogstreamClient;
  readonly aws: AwsAdapters;
  readonly temporal: Client;
  stop(): Promise<void>;
}

/** The `LOGSTREAM_TICKET_SECRET` of test API nodes that have API keys (every node of a test shares it). */
export const TEST_TICKET_SECRET = 'test-ticket-secret-0123456789abcdef';

/** Settings of the test processes: fast polls and a short settle window. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    LOGSTREAM_PORT: '0',
    LOGSTREAM_SETTLE_MS: '500',
    LOGSTREAM_POLL_MIN_MS: '50',
    LOGSTREAM_POLL_MAX_MS: '400',
    LOGSTREAM_HEARTBEAT_TIMEOUT_MS: '3000',
    ...overrides,
  });
}

/**
 * Starts an API server and, unless `worker: false`, a worker. Without a worker the workflows stay
 * RUNNING with nobody polling their task queue: the API alone answers (status comes from Temporal).
 */
export async function startHarness(options: { worker?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const withWorker = options.worker ?? true;
  const config = testConfig({
    // Each harness gets its own task queue so a worker never picks up another test's executions.
    LOGSTREAM_TASK_QUEUE: `test-${randomUUID()}`,
    ...options.env,
  });
  const worker = withWorker ? await startWorker(config) : undefined;
  const server = await startServer(config);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const aws = createAwsAdapters(config);
  return {
    config,
    server,
    worker,
    client: new LogstreamClient({ url: server.url, apiKey: config.apiKeys[0] }),
    aws,
    temporal: new Client({ connection, namespace: config.temporalNamespace }),
    stop: async () => {
      await server.stop();
      await worker?.stop();
      await connection.close();
      aws.destroy();
    },
  };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the execution's log is sealed. */
export function waitSealed(
  client: LogstreamClient,
  executionId: string,
  timeoutMs = 90_000,
): Promise<ExecutionDescription> {
  return waitFor(
    `${executionId} sealed`,
    async () => {
      const view = await client.getHandle(executionId).describe();
      return view.sealed ? view : undefined;
    },
    timeoutMs,
  );
}

/** A fresh execution id for a test. */
export function newExecutionId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Every event of a log, paged through `/logs` with `limit`. */
export async function readAllLogs(
  client: LogstreamClient,
  executionId: string,
  limit = 10_000,
): Promise<{ events: { index: number; message: string; recovered?: true }[]; sources: Set<string>; pages: number }> {
  const events: { index: number; message: string; recovered?: true }[] = [];
  const sources = new Set<string>();
  let since = 0;
  let pages = 0;
  for (;;) {
    const page = await client.getHandle(executionId).logs({ sinceIndex: since, limit });
    pages++;
    sources.add(page.source);
    events.push(
      ...page.events.map((e) => ({
        index: e.index,
        message: e.message,
        ...(e.recovered === true ? { recovered: true as const } : {}),
      })),
    );
    if (page.nextIndex === null) return { events, sources, pages };
    since = page.nextIndex;
  }
}
