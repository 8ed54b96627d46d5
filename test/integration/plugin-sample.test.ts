// A user's application on the real stack: its own worker (its own task queue, its own workflows and activity) with
// logstream added in one line (`plugins: [new LogstreamPlugin(...)]`); the README's `new LogstreamPlugin()` reads its
// settings from the environment, provisions what is missing, stops with the user's worker and loads the prebuilt
// workflow bundle when there is one. Its workflows run jobs through the
// workflow-side helper; the typed workflow client starts, completes, stops, describes and lists executions; every log
// ends sealed and exact, read back through the HTTP client's handle.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import type { FollowItem } from '../../src/client/client';
import { WORKFLOW_BUNDLE_FILE } from '../../src/adapters/temporal/workflow-bundle';
import { loadConfig } from '../../src/config';
import { repoRoot } from '../../src/devstack/toolchain';
import { createAwsAdapters } from '../../src/compose/wiring';
import { LogstreamPlugin, LogstreamWorkflowClient } from '../../src/plugin';
import { readStoredEvents } from '../../src/ports';
import type { ExecutionWorkflowResult } from '../../workflows/messages';
import { writeLines } from '../support/external-job';
import { drillJob, indexes, type DrillJob } from '../support/drill';
import { newExecutionId, startHarness, waitFor, type Harness } from '../support/harness';
import type { SampleResult } from '../support/sample-user-workflows';

const LINES = 3000;
const TIMINGS = { settleMs: 500, heartbeatTimeoutMs: 3000, commandTimeoutMs: 600_000 };

let h: Harness;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let userQueue: string;
let longJob: DrillJob | undefined;

beforeAll(async () => {
  // The API process only reads (status from Temporal, logs from the store); no logstream worker of its own.
  h = await startHarness({ worker: false });
  connection = await NativeConnection.connect({ address: h.config.temporalAddress });
  userQueue = `user-app-${randomUUID()}`;
  worker = await Worker.create({
    connection,
    namespace: h.config.temporalNamespace,
    taskQueue: userQueue,
    workflowsPath: require.resolve('../support/sample-user-workflows'),
    activities: {
      // The user's own activity: its job writes its output to CloudWatch itself.
      writeJobLines: async (input: { logGroup: string; logStream: string; lines: string[] }) => {
        await writeLines(h, input.logStream, input.lines);
        return input.lines.length;
      },
    },
    plugins: [new LogstreamPlugin({ config: h.config })],
  });
  running = worker.run();
}, 240_000);

afterAll(async () => {
  longJob?.end();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection?.close();
  await h?.stop();
  longJob?.cleanup();
});

/** Every item `follow()` yields for the execution, over the HTTP client's handle. */
async function followAll(executionId: string): Promise<{ messages: string[]; indexes: number[]; last?: FollowItem }> {
  const messages: string[] = [];
  const seen: number[] = [];
  let last: FollowItem | undefined;
  for await (const item of h.client.getHandle(executionId).follow()) {
    if (item.kind === 'event') {
      seen.push(item.index);
      messages.push(item.message);
    }
    last = item;
  }
  return { messages, indexes: seen, last };
}

function startSample(workflow: string, args: Record<string, unknown>) {
  return h.temporal.workflow.start(workflow, {
    taskQueue: userQueue,
    workflowId: `user-wf-${randomUUID()}`,
    args: [{ taskQueue: h.config.taskQueue, logGroup: h.config.logGroup, timings: TIMINGS, ...args }],
  });
}

describe('a user’s worker with the logstream plugin', () => {
  it('keeps running the user’s own workflows on the user’s task queue', async () => {
    const result = await h.temporal.workflow.execute('greet', {
      taskQueue: userQueue,
      workflowId: `user-wf-${randomUUID()}`,
      args: ['logstream'],
    });
    expect(result).toBe('hello, logstream');
  });

  it('streams a command through the helper from the user’s workflow: sealed, exact', async () => {
    const handle = await startSample('runLoggedCommand', {
      command: ['sh', '-c', `i=1; while [ $i -le ${LINES} ]; do echo "job line $i"; i=$((i+1)); done`],
    });
    const { executionId, result } = (await handle.result()) as SampleResult;

    expect(result).toMatchObject({ status: 'SUCCEEDED', seal: { status: 'SUCCEEDED', exitCode: 0, lastIndex: LINES } });
    const read = await followAll(executionId);
    expect(read.indexes).toEqual(indexes(LINES));
    expect(read.messages).toEqual(indexes(LINES).map((i) => `job line ${i}`));
    expect(read.last).toEqual({ kind: 'status', status: 'SUCCEEDED', lastIndex: LINES });
    expect(await h.client.getHandle(executionId).describe()).toMatchObject({ sealed: true, exitCode: 0 });
  });

  it('registers the user’s own job (its activity writes the log), completes it FAILED with its exit code', async () => {
    const lines = ['first', '', 'third'];
    const handle = await startSample('runExternalJob', {
      logStream: `user-jobs/${randomUUID()}`,
      lines,
      exitCode: 3,
    });
    const { executionId, result } = (await handle.result()) as SampleResult;

    expect(result).toMatchObject({ status: 'FAILED', seal: { exitCode: 3, lastIndex: lines.length } });
    const read = await followAll(executionId);
    expect(read.messages).toEqual(lines);
    expect(read.last).toEqual({ kind: 'status', status: 'FAILED', lastIndex: lines.length });
  });

  it('the typed workflow client starts, completes, describes, lists and awaits the seal', async () => {
    // The plugin goes on the user's Client in the same one line (it needs nothing there).
    const temporal = new Client({
      connection: h.temporal.connection,
      namespace: h.config.temporalNamespace,
      plugins: [new LogstreamPlugin({ config: h.config })],
    });
    const client = new LogstreamWorkflowClient({
      client: temporal,
      taskQueue: h.config.taskQueue,
      logGroup: h.config.logGroup,
      timings: TIMINGS,
      apiUrl: h.server.url,
    });
    const executionId = newExecutionId('wfclient');
    const stream = `external/${executionId}`;
    const execution = await client.start({ logGroup: h.config.logGroup, logStream: stream }, { executionId });
    expect((await execution.describe()).status).toBe('RUNNING');
    // In the Temporal UI: what it reads, and the links to its log.
    const described = await temporal.workflow.getHandle(executionId).describe();
    expect(await described.staticSummary()).toContain(stream);
    expect(await described.staticDetails()).toContain(`${h.server.url}/executions/${executionId}/logs`);
    await writeLines(h, stream, ['a', 'b']);
    const completedAt = new Date(Date.now() - 1000);
    await execution.complete({ status: 'SUCCEEDED', completedAt, exitCode: 0 });
    const sealed: ExecutionWorkflowResult = await execution.sealed();

    expect(sealed).toMatchObject({ status: 'SUCCEEDED', seal: { lastIndex: 2, completedAt: completedAt.getTime() } });
    expect(await execution.describe()).toMatchObject({
      executionId,
      status: 'SUCCEEDED',
      completedAt,
      location: { logGroup: h.config.logGroup, logStreams: [stream] },
    });
    const listed = await waitFor('the execution in visibility', async () => {
      for await (const entry of client.list({ status: 'SUCCEEDED', query: `WorkflowId = '${executionId}'` })) {
        return entry;
      }
      return undefined;
    });
    expect(listed).toMatchObject({ executionId, status: 'SUCCEEDED' });
    await expect(client.start({ command: ['true'] }, { executionId })).rejects.toMatchObject({
      name: 'ExecutionExistsError',
      code: 'EXECUTION_EXISTS',
    });
    await expect(client.getHandle(`missing-${randomUUID()}`).describe()).rejects.toMatchObject({
      code: 'EXECUTION_NOT_FOUND',
    });
  });

  it('the typed workflow client stops a running command: STOPPED, sealed, the lines it printed exact', async () => {
    const client = new LogstreamWorkflowClient({ client: h.temporal, taskQueue: h.config.taskQueue, timings: TIMINGS });
    longJob = drillJob();
    const executionId = newExecutionId('wfstop');
    const execution = await client.start({ command: longJob.command }, { executionId });
    // The job runs until it is stopped: wait until some of its lines are stored, then stop it.
    await waitFor('lines stored', async () =>
      (await h.client.getHandle(executionId).describe()).lastIndex > 0 ? true : undefined,
    );
    await execution.stop();
    const sealed = await execution.sealed();

    expect(sealed.status).toBe('STOPPED');
    const read = await followAll(executionId);
    expect(read.indexes).toEqual(indexes(sealed.seal.lastIndex));
    expect(read.messages).toEqual(indexes(sealed.seal.lastIndex).map((i) => `drill line ${i}`));
    expect(read.last).toEqual({ kind: 'status', status: 'STOPPED', lastIndex: sealed.seal.lastIndex });
  });

  it('the typed workflow client cancels an execution as the API’s stop does: sealed() still returns its seal', async () => {
    const client = new LogstreamWorkflowClient({ client: h.temporal, taskQueue: h.config.taskQueue, timings: TIMINGS });
    const executionId = newExecutionId('wfcancel');
    const stream = `external/${executionId}`;
    const execution = await client.start({ logGroup: h.config.logGroup, logStream: stream }, { executionId });
    await writeLines(h, stream, ['x', 'y', 'z']);
    await waitFor('lines stored', async () =>
      (await h.client.getHandle(executionId).describe()).lastIndex === 3 ? true : undefined,
    );
    await execution.cancel();
    const sealed = await execution.sealed();

    expect(sealed).toMatchObject({ status: 'STOPPED', seal: { status: 'STOPPED', lastIndex: 3 } });
    expect((await execution.describe()).status).toBe('STOPPED');
  });

  it('refuses a worker whose task queue is logstream’s own, with a clear error', async () => {
    await expect(
      Worker.create({
        connection,
        taskQueue: h.config.taskQueue,
        workflowsPath: require.resolve('../support/sample-user-workflows'),
        plugins: [new LogstreamPlugin({ config: h.config })],
      }),
    ).rejects.toMatchObject({ name: 'LogstreamPluginError', code: 'LOGSTREAM_PLUGIN_CONFIG' });
  });
});

describe('the README’s `new LogstreamPlugin()`: settings from the environment', () => {
  const saved: Record<string, string | undefined> = {};
  /** Sets environment variables for this block (restored after it). */
  function setEnv(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!(name in saved)) saved[name] = process.env[name];
      process.env[name] = value;
    }
  }
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
      delete saved[name];
    }
  });

  /** A user's worker with `plugins: [plugin]`, run; `stopped` turns true once its `run()` has returned. */
  async function runUserWorker(plugin: LogstreamPlugin) {
    const queue = `user-app-${randomUUID()}`;
    const userWorker = await Worker.create({
      connection,
      namespace: h.config.temporalNamespace,
      taskQueue: queue,
      workflowsPath: require.resolve('../support/sample-user-workflows'),
      plugins: [plugin],
    });
    const state = { stopped: false };
    const run = userWorker.run().finally(() => (state.stopped = true));
    return { queue, userWorker, run, state };
  }

  it('provisions a missing table, log group and stream, runs a logged job, and stops with the user’s worker', async () => {
    const suffix = randomUUID().slice(0, 8);
    // What a user's deployment sets (here: names no test has used, so nothing exists yet).
    setEnv({
      LOGSTREAM_TASK_QUEUE: `logstream-env-${suffix}`,
      LOGSTREAM_TABLE: `logstream-env-${suffix}`,
      LOGSTREAM_LOG_GROUP: `/logstream/env-${suffix}`,
      LOGSTREAM_KINESIS_STREAM: `logstream-env-${suffix}`,
    });
    const config = loadConfig();
    const aws = createAwsAdapters(config);
    try {
      await expect(aws.dynamodb.send(new DescribeTableCommand({ TableName: config.table }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      const groups = async () =>
        (await aws.cloudwatch.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: config.logGroup }))).logGroups ??
        [];
      expect(await groups()).toEqual([]);

      const plugin = new LogstreamPlugin();
      expect(plugin.taskQueue).toBe(`logstream-env-${suffix}`);
      const user = await runUserWorker(plugin);
      const handle = await h.temporal.workflow.start('runLoggedCommand', {
        taskQueue: user.queue,
        workflowId: `user-wf-${randomUUID()}`,
        args: [
          {
            taskQueue: config.taskQueue,
            logGroup: config.logGroup,
            timings: TIMINGS,
            command: ['sh', '-c', 'echo one; echo two; echo three'],
          },
        ],
      });
      const { executionId, result } = (await handle.result()) as SampleResult;
      expect(result).toMatchObject({ status: 'SUCCEEDED', seal: { status: 'SUCCEEDED', exitCode: 0, lastIndex: 3 } });
      // The plugin created the table and the log group it was told of, and the log is in that table.
      expect((await aws.dynamodb.send(new DescribeTableCommand({ TableName: config.table }))).Table?.TableStatus).toBe(
        'ACTIVE',
      );
      expect((await groups()).map((group) => group.logGroupName)).toEqual([config.logGroup]);
      const page = await readStoredEvents(aws.store, executionId, 0, 100, 3);
      expect(page.events.map((event) => event.message)).toEqual(['one', 'two', 'three']);

      // The two stop together: the user's worker's run() returns only once logstream's worker beside it has stopped.
      user.userWorker.shutdown();
      await waitFor('the user’s worker and logstream’s to stop', async () => (user.state.stopped ? true : undefined));
      await user.run;
      expect(user.userWorker.getState()).toBe('STOPPED');
    } finally {
      await aws.dynamodb.send(new DeleteTableCommand({ TableName: config.table })).catch(() => undefined);
      aws.destroy();
    }
  });

  it('loads the prebuilt workflow bundle at the path `npm run build` writes when it is newer than the sources', async () => {
    const bundle = path.join(repoRoot(), 'dist', WORKFLOW_BUNDLE_FILE);
    // A build's own bundle there is put back afterwards.
    const previous = existsSync(bundle) ? { code: readFileSync(bundle), mtime: statSync(bundle).mtime } : undefined;
    mkdirSync(path.dirname(bundle), { recursive: true });
    // No forwarders of its own: the file's first worker runs those of the stack's stream in this process.
    setEnv({ LOGSTREAM_TASK_QUEUE: `logstream-bundle-${randomUUID().slice(0, 8)}`, LOGSTREAM_FORWARDER: '0' });
    const config = loadConfig();
    try {
      // A bundle that tells itself apart: the user's sample workflows (with `greet`), which logstream's sources lack.
      const { code } = await bundleWorkflowCode({
        workflowsPath: require.resolve('../support/sample-user-workflows'),
        logger: new DefaultLogger('WARN'),
      });
      writeFileSync(bundle, code);
      const user = await runUserWorker(new LogstreamPlugin({ provision: false }));
      // Only logstream's worker polls its task queue: `greet` runs there only if that worker loaded the file.
      const greeted = await h.temporal.workflow.execute('greet', {
        taskQueue: config.taskQueue,
        workflowId: `bundle-${randomUUID()}`,
        args: ['prebuilt'],
        // Without the bundle the workflow type is unknown there and its task fails until this ends it.
        workflowExecutionTimeout: '60s',
      });
      expect(greeted).toBe('hello, prebuilt');
      user.userWorker.shutdown();
      await waitFor('the user’s worker and logstream’s to stop', async () => (user.state.stopped ? true : undefined));
      await user.run;
    } finally {
      // Every wait above is bounded, so this runs: a stray bundle there would be every later worker's.
      if (previous) {
        writeFileSync(bundle, previous.code);
        utimesSync(bundle, previous.mtime, previous.mtime);
      } else rmSync(bundle, { force: true });
    }
  }, 300_000);
});
