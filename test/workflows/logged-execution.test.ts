// The workflow-side helper on TestWorkflowEnvironment (the stack's dev server): a user's workflow on its own task queue
// starts logged executions as children on logstream's task queue, completes, stops and awaits their seals. logstream's
// activities are stand-ins here; the real stack runs them in test/integration/plugin-sample.test.ts.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { createActivities, DrainInput, RunCommandInput } from '../../activities';
import type { LogSeal } from '../../src/domain';
import { COMPLETED_AT_KEY, EXECUTION_STATUS_KEY } from '../../workflows/messages';
import { DEFAULT_LOG_GROUP } from '../../workflows/logged-execution';
import { waitFor } from '../support/harness';
import type { SampleResult } from '../support/sample-user-workflows';
import { bundleWorkflows, createLocalWorkflowEnv } from '../support/workflow-env';

type Activities = ReturnType<typeof createActivities>;

const SEALED_LAST_INDEX = 7;
const TIMINGS = { settleMs: 100, heartbeatTimeoutMs: 2000, commandTimeoutMs: 60_000 };

let env: TestWorkflowEnvironment;
let logstreamBundle: WorkflowBundleWithSourceMap;
let userBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, logstreamBundle, userBundle] = await Promise.all([
    createLocalWorkflowEnv(),
    bundleWorkflows(),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../support/sample-user-workflows'),
      logger: new DefaultLogger('WARN'),
    }),
  ]);
});

afterAll(async () => {
  await env?.teardown();
});

/** What logstream's stand-in activities and the user's activity saw. */
interface Recording {
  readonly runCommand: RunCommandInput[];
  readonly drains: DrainInput[];
  readonly written: string[][];
  cancelledCommands: number;
}

/** Heartbeats until cancelled (cancellation reaches an activity only through a heartbeat). */
async function runUntilCancelled(recording: Recording): Promise<never> {
  const context = Context.current();
  try {
    for (;;) {
      context.heartbeat();
      await context.sleep(20);
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'CancelledFailure') recording.cancelledCommands += 1;
    throw error;
  }
}

function logstreamActivities(recording: Recording): Activities {
  return {
    registerExecution: async () => ({ ingest: 'poll' }),
    runCommand: async (input) => {
      recording.runCommand.push(input);
      // `sleep` stands for a long job: it runs until the execution is stopped.
      if (input.command[0] === 'sleep') return runUntilCancelled(recording);
      const exitCode = input.command[0] === 'exit' ? Number(input.command[1]) : 0;
      return { exitCode, completedAt: Date.now(), lines: 1 };
    },
    ingest: async () => {
      await runUntilCancelled(recording).catch(() => undefined);
    },
    drainAndSeal: async (input): Promise<LogSeal> => {
      recording.drains.push(input);
      return { ...input.completion, lastIndex: SEALED_LAST_INDEX, sealedAt: input.completion.completedAt + 1 };
    },
  };
}

/**
 * Runs `body` with two workers on the dev server, as a user's process with the plugin has them: the user's worker
 * (the sample workflows, its own activity) and logstream's worker on its own task queue.
 */
async function withWorkers<T>(body: (queues: { user: string; logstream: string }, recording: Recording) => Promise<T>) {
  const queues = { user: `user-${randomUUID()}`, logstream: `logstream-${randomUUID()}` };
  const recording: Recording = { runCommand: [], drains: [], written: [], cancelledCommands: 0 };
  const common: Pick<WorkerOptions, 'connection' | 'maxHeartbeatThrottleInterval' | 'shutdownGraceTime'> = {
    connection: env.nativeConnection,
    maxHeartbeatThrottleInterval: '50ms',
    shutdownGraceTime: '2s',
  };
  const logstreamWorker = await Worker.create({
    ...common,
    taskQueue: queues.logstream,
    workflowBundle: logstreamBundle,
    activities: logstreamActivities(recording),
  });
  const userWorker = await Worker.create({
    ...common,
    taskQueue: queues.user,
    workflowBundle: userBundle,
    activities: {
      writeJobLines: async (input: { lines: string[] }) => {
        recording.written.push(input.lines);
        return input.lines.length;
      },
    },
  });
  return logstreamWorker.runUntil(userWorker.runUntil(body(queues, recording)));
}

describe('the workflow-side helper (logged executions as children)', () => {
  it('runs a command as a child on logstream’s task queue and returns its sealed outcome', async () => {
    await withWorkers(async (queues, recording) => {
      const parentId = `user-wf-${randomUUID()}`;
      const handle = await env.client.workflow.start('runLoggedCommand', {
        taskQueue: queues.user,
        workflowId: parentId,
        args: [{ taskQueue: queues.logstream, timings: TIMINGS, command: ['exit', '0'] }],
      });
      const { executionId, result } = (await handle.result()) as SampleResult;

      expect(executionId.startsWith(`${parentId}-log-`)).toBe(true);
      expect(result.status).toBe('SUCCEEDED');
      expect(result.seal).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, lastIndex: SEALED_LAST_INDEX });
      expect(recording.runCommand).toEqual([
        {
          executionId,
          command: ['exit', '0'],
          location: { logGroup: DEFAULT_LOG_GROUP, logStreams: [`executions/${executionId}`] },
        },
      ]);
      // The child is an execution the API can serve: its log's location in the memo, its status searchable.
      const child = await env.client.workflow.getHandle(executionId).describe();
      expect(child.type).toBe('executionWorkflow');
      expect(child.taskQueue).toBe(queues.logstream);
      expect(child.parentExecution?.workflowId).toBe(parentId);
      expect(child.memo).toEqual({ log_group: DEFAULT_LOG_GROUP, log_streams: [`executions/${executionId}`] });
      expect(child.typedSearchAttributes.get(EXECUTION_STATUS_KEY)).toBe('SUCCEEDED');
      expect(child.typedSearchAttributes.get(COMPLETED_AT_KEY)).toBeInstanceOf(Date);
    });
  });

  it('registers an external stream the user’s activity writes to, completes it with CompletedAt and exit code', async () => {
    await withWorkers(async (queues, recording) => {
      const logStream = `user-jobs/${randomUUID()}`;
      const executionId = `ext-${randomUUID()}`;
      const handle = await env.client.workflow.start('runExternalJob', {
        taskQueue: queues.user,
        workflowId: `user-wf-${randomUUID()}`,
        args: [
          {
            taskQueue: queues.logstream,
            timings: TIMINGS,
            logGroup: '/user/jobs',
            executionId,
            logStream,
            lines: ['one', 'two'],
            exitCode: 4,
          },
        ],
      });
      const sample = (await handle.result()) as SampleResult;

      expect(sample.executionId).toBe(executionId);
      expect(sample.result.status).toBe('FAILED');
      expect(sample.result.seal).toMatchObject({ status: 'FAILED', exitCode: 4, lastIndex: SEALED_LAST_INDEX });
      expect(recording.written).toEqual([['one', 'two']]);
      expect(recording.runCommand).toEqual([]);
      expect(recording.drains).toHaveLength(1);
      const drain = recording.drains[0];
      expect(drain?.location).toEqual({ logGroup: '/user/jobs', logStreams: [logStream] });
      // CompletedAt comes from the parent's workflow clock: a real instant, carried into the seal.
      expect(Number.isFinite(drain?.completion.completedAt)).toBe(true);
      expect(sample.result.seal.completedAt).toBe(drain?.completion.completedAt);
      const child = await env.client.workflow.getHandle(executionId).describe();
      expect(child.typedSearchAttributes.get(COMPLETED_AT_KEY)?.getTime()).toBe(drain?.completion.completedAt);
    });
  });

  it('stops a running command: the child drains, seals and ends STOPPED; the parent replays deterministically', async () => {
    await withWorkers(async (queues, recording) => {
      const handle = await env.client.workflow.start('stopLoggedCommand', {
        taskQueue: queues.user,
        workflowId: `user-wf-${randomUUID()}`,
        args: [{ taskQueue: queues.logstream, timings: TIMINGS, command: ['sleep', 'forever'] }],
      });
      await waitFor('the command to start', async () => (recording.runCommand.length === 1 ? true : undefined));
      await handle.signal('stopLogged');
      const { result } = (await handle.result()) as SampleResult;

      expect(result.status).toBe('STOPPED');
      expect(result.seal).toMatchObject({ status: 'STOPPED', lastIndex: SEALED_LAST_INDEX });
      expect(recording.cancelledCommands).toBeGreaterThanOrEqual(1);
      expect(recording.drains).toHaveLength(1);

      // The helper is deterministic: the parent's recorded history replays without a non-determinism error.
      await Worker.runReplayHistory({ workflowBundle: userBundle }, await handle.fetchHistory(), handle.workflowId);
    });
  });
});
