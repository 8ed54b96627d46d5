import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type {
  createActivities,
  DrainInput,
  IngestInput,
  RegisterInput,
  RunCommandInput,
  RunCommandResult,
} from '../../activities';
import type { Completion, IngestMode, LogSeal } from '../../src/domain';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  completionQuery,
  EXECUTION_FAILED_TYPE,
  EXECUTION_STATUS_KEY,
  stateQuery,
  type ExecutionState,
  type ExecutionWorkflowInput,
  type ExecutionWorkflowResult,
} from '../../workflows/messages';
import { buildWorkflowBundle } from '../../src/adapters/temporal/workflow-bundle';
import { bundleWorkflows, createLocalWorkflowEnv } from '../support/workflow-env';

type Activities = ReturnType<typeof createActivities>;
type ExecutionHandle = WorkflowHandleWithFirstExecutionRunId<
  (input: ExecutionWorkflowInput) => Promise<ExecutionWorkflowResult>
>;

const SETTLE_MS = 1234;
const SEALED_LAST_INDEX = 42;
const COMMAND = ['sh', '-c', 'echo hello'];

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([createLocalWorkflowEnv(), bundleWorkflows()]);
});

afterAll(async () => {
  await env?.teardown();
});

/** A flag the test raises when it wants a mocked activity to move on. */
class Gate {
  released = false;
  release(): void {
    this.released = true;
  }
}

/** What the mocked activities saw. */
interface Recording {
  /** Activity milestones, in the order they happened. */
  readonly events: string[];
  readonly runCommandInputs: RunCommandInput[];
  readonly ingestInputs: IngestInput[];
  readonly drainInputs: DrainInput[];
  readonly registerInputs: RegisterInput[];
}

type RunCommandBehaviour = (input: RunCommandInput, recording: Recording) => Promise<RunCommandResult>;

interface MockOptions {
  readonly runCommand?: RunCommandBehaviour;
  /** When set, ingest acknowledges its cancellation only once this gate opens (keeps the workflow finishing). */
  readonly holdIngestCancellation?: Gate;
  /** When set, the drain seals only once this gate opens (the workflow stays between completion and seal). */
  readonly holdDrain?: Gate;
  /** The ingest mode registration chooses (default poll). */
  readonly ingest?: IngestMode;
  /** When set, registration answers only once this gate opens. */
  readonly holdRegistration?: Gate;
}

/** Heartbeats (cancellation only reaches an activity through a heartbeat) until `gate` opens or it is cancelled. */
async function heartbeatUntil(name: string, recording: Recording, gate?: Gate): Promise<void> {
  const context = Context.current();
  try {
    while (!gate?.released) {
      context.heartbeat();
      await context.sleep(20);
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'CancelledFailure') recording.events.push(`${name}:cancelled`);
    throw error;
  }
}

const exitsWith =
  (exitCode: number, completedAt: number): RunCommandBehaviour =>
  async () => ({ exitCode, completedAt, lines: 1 });

const runsUntilCancelled: RunCommandBehaviour = async (_input, recording) => {
  await heartbeatUntil('runCommand', recording);
  throw new Error('unreachable: heartbeatUntil without a gate ends only by cancellation');
};

function mockActivities({
  runCommand = runsUntilCancelled,
  holdIngestCancellation,
  holdDrain,
  ingest = 'poll',
  holdRegistration,
}: MockOptions): {
  activities: Activities;
  recording: Recording;
} {
  const recording: Recording = {
    events: [],
    runCommandInputs: [],
    ingestInputs: [],
    drainInputs: [],
    registerInputs: [],
  };
  const activities: Activities = {
    registerExecution: async (input) => {
      recording.registerInputs.push(input);
      recording.events.push('registerExecution');
      if (holdRegistration) await waitFor(() => holdRegistration.released);
      return { ingest };
    },
    runCommand: async (input) => {
      recording.runCommandInputs.push(input);
      recording.events.push('runCommand:start');
      const result = await runCommand(input, recording);
      recording.events.push('runCommand:end');
      return result;
    },
    ingest: async (input) => {
      recording.ingestInputs.push(input);
      recording.events.push('ingest:start');
      try {
        await heartbeatUntil('ingest', recording);
      } finally {
        if (holdIngestCancellation) await waitFor(() => holdIngestCancellation.released);
        recording.events.push('ingest:end');
      }
    },
    drainAndSeal: async (input): Promise<LogSeal> => {
      recording.drainInputs.push(input);
      recording.events.push('drainAndSeal');
      if (holdDrain) await heartbeatUntil('drainAndSeal', recording, holdDrain);
      return { ...input.completion, lastIndex: SEALED_LAST_INDEX, sealedAt: input.completion.completedAt + 1 };
    },
  };
  return { activities, recording };
}

function workflowInput(executionId: string, command?: readonly string[]): ExecutionWorkflowInput {
  return {
    executionId,
    location: { logGroup: '/logstream/test', logStreams: [`executions/${executionId}`] },
    ...(command ? { command } : {}),
    timings: { settleMs: SETTLE_MS, heartbeatTimeoutMs: 2000, commandTimeoutMs: 60_000 },
  };
}

interface Harness {
  readonly taskQueue: string;
  readonly recording: Recording;
  readonly worker: Worker;
  start(command?: readonly string[]): Promise<ExecutionHandle>;
}

async function harness(options: MockOptions = {}): Promise<Harness> {
  const taskQueue = `test-${randomUUID()}`;
  const { activities, recording } = mockActivities(options);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities,
    // Cancellation rides on heartbeat responses; don't let throttling (0.8 × heartbeat timeout) slow the tests.
    maxHeartbeatThrottleInterval: '50ms',
    shutdownGraceTime: '2s',
  });
  const start = (command?: readonly string[]): Promise<ExecutionHandle> => {
    const executionId = `exec-${randomUUID()}`;
    return env.client.workflow.start('executionWorkflow', {
      taskQueue,
      workflowId: executionId,
      args: [workflowInput(executionId, command)],
    }) as Promise<ExecutionHandle>;
  };
  return { taskQueue, recording, worker, start };
}

async function searchAttributes(handle: ExecutionHandle): Promise<{ status?: string; completedAt?: number }> {
  const description = await handle.describe();
  return {
    status: description.typedSearchAttributes.get(EXECUTION_STATUS_KEY),
    completedAt: description.typedSearchAttributes.get(COMPLETED_AT_KEY)?.getTime(),
  };
}

/** Asserts that the log was drained and sealed once, after live ingest had ended, with `completion`. */
function expectSealedAfterIngest(recording: Recording, handle: ExecutionHandle, completion: Completion): void {
  expect(recording.ingestInputs).toEqual([
    { executionId: handle.workflowId, location: workflowInput(handle.workflowId).location },
  ]);
  expect(recording.drainInputs).toEqual([
    {
      executionId: handle.workflowId,
      location: workflowInput(handle.workflowId).location,
      completion,
      settleMs: SETTLE_MS,
      ingest: 'poll',
    },
  ]);
  const { events } = recording;
  // Registered (choosing the mode) before anything ran.
  expect(events[0]).toBe('registerExecution');
  expect(events).toContain('ingest:cancelled');
  expect(events.indexOf('ingest:end')).toBeLessThan(events.indexOf('drainAndSeal'));
  expect(events.filter((event) => event === 'drainAndSeal')).toHaveLength(1);
}

describe('executionWorkflow: managed execution', () => {
  it('succeeds when the command exits 0 and records the runner completedAt', async () => {
    const completedAt = Date.parse('2024-05-01T12:00:00.123Z');
    const { worker, recording, start } = await harness({ runCommand: exitsWith(0, completedAt) });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, result: await finished(handle) };
    });

    expect(result).toEqual({
      status: 'SUCCEEDED',
      seal: { status: 'SUCCEEDED', completedAt, exitCode: 0, lastIndex: SEALED_LAST_INDEX, sealedAt: completedAt + 1 },
    });
    expect(await searchAttributes(handle)).toEqual({ status: 'SUCCEEDED', completedAt });
    expect(recording.runCommandInputs).toEqual([
      { executionId: handle.workflowId, location: workflowInput(handle.workflowId).location, command: COMMAND },
    ]);
    expectSealedAfterIngest(recording, handle, { status: 'SUCCEEDED', completedAt, exitCode: 0 });
  });

  it('carries the runner lastWriteAt, rejected lines and accepted count into the completion the drain gets', async () => {
    const completedAt = Date.parse('2024-05-01T12:00:00.500Z');
    const lastWriteAt = completedAt + 4321;
    const { worker, recording, start } = await harness({
      runCommand: async () => ({
        exitCode: 0,
        completedAt,
        lines: 10,
        lastWriteAt,
        rejectedEvents: 2,
        eventCount: 10,
        uncertainWrites: 1,
      }),
    });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, result: await finished(handle) };
    });

    const completion: Completion = {
      status: 'SUCCEEDED',
      completedAt,
      exitCode: 0,
      lastWriteAt,
      rejectedEvents: 2,
      eventCount: 10,
      uncertainWrites: 1,
    };
    expect(result.seal).toMatchObject(completion);
    // The search attribute stays the exit time; only the drain's settle window moves.
    expect(await searchAttributes(handle)).toEqual({ status: 'SUCCEEDED', completedAt });
    expectSealedAfterIngest(recording, handle, completion);
  });

  it('gives the command runner its own heartbeat timeout, the ingest the common one', async () => {
    const seen: Record<string, number | undefined> = {};
    const { worker } = await harness({
      runCommand: async () => {
        seen.runCommand = Context.current().info.heartbeatTimeoutMs;
        return { exitCode: 0, completedAt: Date.now(), lines: 0 };
      },
    });
    const executionId = `exec-${randomUUID()}`;
    const input = workflowInput(executionId, COMMAND);
    await worker.runUntil(
      env.client.workflow.execute('executionWorkflow', {
        taskQueue: worker.options.taskQueue,
        workflowId: executionId,
        args: [{ ...input, timings: { ...input.timings, commandHeartbeatTimeoutMs: 45_000 } }],
      }),
    );
    // A Temporal restart shorter than the runner's timeout must not end a healthy job FAILED (the common one is 2 s;
    // Temporal caps a heartbeat timeout at the start-to-close timeout, 60 s here).
    expect(seen.runCommand).toBe(45_000);
  });

  it('fails when the command exits non-zero', async () => {
    const completedAt = Date.parse('2024-05-01T12:00:01.000Z');
    const { worker, recording, start } = await harness({ runCommand: exitsWith(3, completedAt) });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('FAILED');
    expect(result.seal).toMatchObject({ status: 'FAILED', completedAt, exitCode: 3 });
    expect(await searchAttributes(handle)).toEqual({ status: 'FAILED', completedAt });
    expectSealedAfterIngest(recording, handle, { status: 'FAILED', completedAt, exitCode: 3 });
  });

  it('fails (and still seals) when the command runner throws a non-retryable failure', async () => {
    const { worker, recording, start } = await harness({
      runCommand: async () => {
        throw ApplicationFailure.nonRetryable('spawn failed', 'CommandSpawnFailed');
      },
    });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('FAILED');
    const attributes = await searchAttributes(handle);
    expect(attributes.status).toBe('FAILED');
    expect(attributes.completedAt).toEqual(expect.any(Number));
    expect(recording.runCommandInputs).toHaveLength(1);
    expectSealedAfterIngest(recording, handle, { status: 'FAILED', completedAt: result.seal.completedAt });
    expect(result.seal.completedAt).toBe(attributes.completedAt);
  });

  it('a complete signal while the command runs cancels the command and wins', async () => {
    const completion: Completion = { status: 'FAILED', completedAt: Date.parse('2024-05-01T12:00:02.000Z') };
    const { worker, recording, start } = await harness({ runCommand: runsUntilCancelled });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      await handle.signal(completeSignal, completion);
      return { handle, result: await finished(handle) };
    });

    expect(result).toEqual({
      status: 'FAILED',
      seal: { ...completion, lastIndex: SEALED_LAST_INDEX, sealedAt: completion.completedAt + 1 },
    });
    expect(recording.events).toContain('runCommand:cancelled');
    expect(recording.events).not.toContain('runCommand:end');
    expect(await searchAttributes(handle)).toEqual(completion);
    expectSealedAfterIngest(recording, handle, completion);
  });

  it('answers the completion query with null while running and with the completion afterwards', async () => {
    const gate = new Gate();
    const completedAt = Date.parse('2024-05-01T12:00:03.000Z');
    const { worker, recording, start } = await harness({
      runCommand: async (_input, rec) => {
        await heartbeatUntil('runCommand', rec, gate);
        return { exitCode: 0, completedAt, lines: 0 };
      },
    });
    await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      expect(await handle.query(completionQuery)).toBeNull();
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await searchAttributes(handle)).toEqual({ status: 'RUNNING', completedAt: undefined });

      gate.release();
      await finished(handle);
      expect(await handle.query(completionQuery)).toEqual({ status: 'SUCCEEDED', completedAt, exitCode: 0 });
    });
  });
});

describe('executionWorkflow: cancellation', () => {
  it('stops a managed execution: cancels the command, reports STOPPED and still seals the log', async () => {
    const { worker, recording, start } = await harness({ runCommand: runsUntilCancelled });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      await handle.cancel();
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('STOPPED');
    expect(result.seal.status).toBe('STOPPED');
    expect(recording.events).toContain('runCommand:cancelled');
    expect(recording.events).not.toContain('runCommand:end');
    const attributes = await searchAttributes(handle);
    expect(attributes).toEqual({ status: 'STOPPED', completedAt: result.seal.completedAt });
    expectSealedAfterIngest(recording, handle, { status: 'STOPPED', completedAt: result.seal.completedAt });
    // Cancelling is how the execution stops, and the workflow ends Canceled once its log is sealed.
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });
  it('stops an external execution: reports STOPPED and still seals the log', async () => {
    const { worker, recording, start } = await harness();
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.cancel();
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('STOPPED');
    expect(recording.runCommandInputs).toEqual([]);
    expect(await searchAttributes(handle)).toEqual({ status: 'STOPPED', completedAt: result.seal.completedAt });
    expectSealedAfterIngest(recording, handle, { status: 'STOPPED', completedAt: result.seal.completedAt });
  });
});

describe('executionWorkflow: external execution', () => {
  it('completes with exactly the signalled status and completedAt', async () => {
    const completion: Completion = { status: 'FAILED', completedAt: Date.parse('2024-05-01T12:00:04.567Z') };
    const { worker, recording, start } = await harness();
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.signal(completeSignal, completion);
      return { handle, result: await finished(handle) };
    });

    expect(result).toEqual({
      status: 'FAILED',
      seal: { ...completion, lastIndex: SEALED_LAST_INDEX, sealedAt: completion.completedAt + 1 },
    });
    expect(await searchAttributes(handle)).toEqual(completion);
    expect(recording.runCommandInputs).toEqual([]);
    expectSealedAfterIngest(recording, handle, completion);
  });

  it('keeps a runner-reported lastWriteAt, and drops malformed writer facts', async () => {
    const completedAt = Date.parse('2024-05-01T12:00:04.000Z');
    const { worker, recording, start } = await harness();
    const result = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.signal<[unknown]>('complete', {
        status: 'SUCCEEDED',
        completedAt,
        lastWriteAt: completedAt + 10,
        rejectedEvents: 'many',
        eventCount: -3,
        uncertainWrites: 1.5,
      });
      return finished(handle);
    });
    expect(recording.drainInputs.map((input) => input.completion)).toEqual([
      { status: 'SUCCEEDED', completedAt, lastWriteAt: completedAt + 10 },
    ]);
    expect(result.status).toBe('SUCCEEDED');
  });

  it('keeps the first complete signal and ignores a second one', async () => {
    const first: Completion = { status: 'SUCCEEDED', completedAt: Date.parse('2024-05-01T12:00:05.000Z') };
    const second: Completion = { status: 'FAILED', completedAt: Date.parse('2024-05-01T12:00:06.000Z') };
    const ingestGate = new Gate();
    const { worker, recording, start } = await harness({ holdIngestCancellation: ingestGate });
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.signal(completeSignal, first);
      // The workflow has accepted `first` and is waiting for ingest to stop: still running, finishing.
      await waitFor(() => recording.events.includes('ingest:cancelled'));
      await handle.signal(completeSignal, second);
      expect(await handle.query(completionQuery)).toEqual(first);
      ingestGate.release();
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.seal).toMatchObject(first);
    expect(await searchAttributes(handle)).toEqual(first);
    expectSealedAfterIngest(recording, handle, first);
  });

  it('keeps the first of two complete signals delivered together', async () => {
    const first: Completion = { status: 'STOPPED', completedAt: Date.parse('2024-05-01T12:00:05.500Z') };
    const second: Completion = { status: 'SUCCEEDED', completedAt: Date.parse('2024-05-01T12:00:06.500Z') };
    const { worker, recording, start } = await harness();
    // Both signals are in history before the worker polls, so one workflow task delivers both, in order.
    const handle = await start();
    await handle.signal(completeSignal, first);
    await handle.signal(completeSignal, second);
    const result = await worker.runUntil(finished(handle));

    expect(result.status).toBe('STOPPED');
    expect(result.seal).toMatchObject(first);
    expect(await searchAttributes(handle)).toEqual(first);
    expect(recording.drainInputs.map((input) => input.completion)).toEqual([first]);
  });

  it('ignores malformed complete signals and keeps running until a valid one', async () => {
    const completion: Completion = { status: 'STOPPED', completedAt: Date.parse('2024-05-01T12:00:07.000Z') };
    const { worker, recording, start } = await harness();
    const { handle, result } = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.signal<[unknown]>('complete', { status: 'BOGUS', completedAt: completion.completedAt });
      await handle.signal<[unknown]>('complete', { status: 'FAILED', completedAt: 'yesterday' });
      await handle.signal<[unknown]>('complete', null);
      // Queries are answered after the signals delivered before them.
      expect(await handle.query(completionQuery)).toBeNull();
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await searchAttributes(handle)).toEqual({ status: 'RUNNING', completedAt: undefined });

      await handle.signal(completeSignal, completion);
      return { handle, result: await finished(handle) };
    });

    expect(result.status).toBe('STOPPED');
    expect(result.seal).toMatchObject(completion);
    expect(await searchAttributes(handle)).toEqual(completion);
    expectSealedAfterIngest(recording, handle, completion);
  });
});

describe('executionWorkflow: failing live ingest', () => {
  it('still completes and seals when live ingest fails for good (the final drain copies the rest)', async () => {
    const completion: Completion = { status: 'SUCCEEDED', completedAt: Date.parse('2024-05-01T12:00:07.000Z') };
    const { activities, recording } = mockActivities({});
    let ingestFailed = false;
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: {
        ...activities,
        ingest: async () => {
          ingestFailed = true;
          throw ApplicationFailure.nonRetryable('table missing', 'ResourceNotFound');
        },
      },
      shutdownGraceTime: '2s',
    });
    const result = await worker.runUntil(async () => {
      const executionId = `exec-${randomUUID()}`;
      const handle = await env.client.workflow.start('executionWorkflow', {
        taskQueue,
        workflowId: executionId,
        args: [workflowInput(executionId)],
      });
      await waitFor(() => ingestFailed);
      await handle.signal(completeSignal, completion);
      return finished(handle);
    });
    expect(result).toEqual({
      status: 'SUCCEEDED',
      seal: { ...completion, lastIndex: SEALED_LAST_INDEX, sealedAt: completion.completedAt + 1 },
    });
    expect(recording.drainInputs).toEqual([
      {
        executionId: expect.any(String),
        location: expect.any(Object),
        completion,
        settleMs: SETTLE_MS,
        ingest: 'poll',
      },
    ]);
  });
});

describe('executionWorkflow: the job outcome is the workflow outcome once the log is sealed', () => {
  it('SUCCEEDED completes the workflow with the seal as its result', async () => {
    const completedAt = Date.parse('2024-05-01T12:10:00.000Z');
    const { worker, start } = await harness({ runCommand: exitsWith(0, completedAt) });
    const { handle, failure } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, failure: await closingFailure(handle) };
    });
    expect(failure).toBeUndefined();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await handle.result()).toMatchObject({ status: 'SUCCEEDED', seal: { lastIndex: SEALED_LAST_INDEX } });
  });

  it('FAILED fails the workflow with a non-retryable ApplicationFailure carrying the seal', async () => {
    const completedAt = Date.parse('2024-05-01T12:10:01.000Z');
    const { worker, recording, start } = await harness({ runCommand: exitsWith(3, completedAt) });
    const { handle, failure } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, failure: await closingFailure(handle) };
    });
    const seal: LogSeal = {
      status: 'FAILED',
      completedAt,
      exitCode: 3,
      lastIndex: SEALED_LAST_INDEX,
      sealedAt: completedAt + 1,
    };
    expect(failure?.name).toBe('ApplicationFailure');
    const applicationFailure = failure as ApplicationFailure;
    expect(applicationFailure.type).toBe(EXECUTION_FAILED_TYPE);
    expect(applicationFailure.nonRetryable).toBe(true);
    expect(applicationFailure.details).toEqual([seal]);
    expect(applicationFailure.message).toContain('exit code 3');
    expect((await handle.describe()).status.name).toBe('FAILED');
    // The log was sealed before the workflow failed, and the search attributes say FAILED.
    expect(recording.events.filter((event) => event === 'drainAndSeal')).toHaveLength(1);
    expect(await searchAttributes(handle)).toEqual({ status: 'FAILED', completedAt });
  });

  it('a stop (workflow cancellation) ends the workflow Canceled after the seal', async () => {
    const { worker, recording, start } = await harness({ runCommand: runsUntilCancelled });
    const { handle, failure } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      await handle.cancel();
      return { handle, failure: await closingFailure(handle) };
    });
    expect(failure?.name).toBe('CancelledFailure');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(recording.events.filter((event) => event === 'drainAndSeal')).toHaveLength(1);
    expect((await searchAttributes(handle)).status).toBe('STOPPED');
  });

  it('a STOPPED reported by an external runner ends the workflow with a CancelledFailure carrying the seal', async () => {
    const completion: Completion = { status: 'STOPPED', completedAt: Date.parse('2024-05-01T12:10:02.000Z') };
    const { worker, recording, start } = await harness();
    const { handle, failure } = await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('ingest:start'));
      await handle.signal(completeSignal, completion);
      return { handle, failure: await closingFailure(handle) };
    });
    expect(failure?.name).toBe('CancelledFailure');
    expect((failure as Error & { details?: unknown[] }).details).toEqual([
      { ...completion, lastIndex: SEALED_LAST_INDEX, sealedAt: completion.completedAt + 1 },
    ]);
    expect(await searchAttributes(handle)).toEqual(completion);
  });
});

describe('executionWorkflow: what the Temporal UI shows', () => {
  it('updates its current details and answers the state query at each milestone', async () => {
    const commandGate = new Gate();
    const drainGate = new Gate();
    const completedAt = Date.parse('2024-05-01T12:20:00.000Z');
    const { worker, recording, start } = await harness({
      runCommand: async (_input, rec) => {
        await heartbeatUntil('runCommand', rec, commandGate);
        return { exitCode: 4, completedAt, lines: 0 };
      },
      holdDrain: drainGate,
    });
    await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      expect(await handle.query(stateQuery)).toEqual({
        status: 'RUNNING',
        completion: null,
        seal: null,
        ingest: 'poll',
      });
      expect(await currentDetails(handle)).toMatch(/^\*\*Running\*\*/);

      commandGate.release();
      await waitFor(() => recording.events.includes('drainAndSeal'));
      const completion: Completion = { status: 'FAILED', completedAt, exitCode: 4 };
      expect(await handle.query(stateQuery)).toEqual({ status: 'FAILED', completion, seal: null, ingest: 'poll' });
      const completed = await currentDetails(handle);
      expect(completed).toMatch(/^\*\*Completed\*\*/);
      expect(completed).toContain('FAILED, exit code 4 at 2024-05-01T12:20:00.000Z');

      drainGate.release();
      expect((await closingFailure(handle))?.name).toBe('ApplicationFailure');
      expect(await handle.query(stateQuery)).toEqual({
        status: 'FAILED',
        completion,
        seal: { ...completion, lastIndex: SEALED_LAST_INDEX, sealedAt: completedAt + 1 },
        ingest: 'poll',
      });
      const sealed = await currentDetails(handle);
      expect(sealed).toMatch(/^\*\*Sealed\*\*/);
      expect(sealed).toContain(`last index ${SEALED_LAST_INDEX}`);
    });
  });

  it('gives every activity a summary that reads well in the event history', async () => {
    const completedAt = Date.parse('2024-05-01T12:20:01.000Z');
    const { worker, start } = await harness({ runCommand: exitsWith(0, completedAt) });
    const history = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await handle.result();
      return handle.fetchHistory();
    });
    const summaries = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      const summary = event.userMetadata?.summary;
      if (scheduled?.activityType?.name && summary) {
        summaries.set(scheduled.activityType.name, defaultPayloadConverter.fromPayload(summary as Payload));
      }
    }
    expect(Object.fromEntries(summaries)).toEqual({
      registerExecution: expect.stringMatching(
        /^register \/logstream\/test executions\/exec-.* and choose its ingest mode$/,
      ),
      ingest: expect.stringMatching(/^live ingest of \/logstream\/test executions\/exec-/),
      runCommand: 'run sh -c echo hello',
      drainAndSeal: `drain and seal the log: SUCCEEDED, exit code 0 at 2024-05-01T12:20:01.000Z, settle ${SETTLE_MS} ms`,
    });
  });
});

describe('executionWorkflow: the prebuilt bundle', () => {
  it('runs from the bundle file the build writes (what a production worker loads)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'logstream-bundle-'));
    try {
      const codePath = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
      const completedAt = Date.parse('2024-05-01T12:30:00.000Z');
      const { activities } = mockActivities({ runCommand: exitsWith(0, completedAt) });
      const taskQueue = `test-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: { codePath },
        activities,
        maxHeartbeatThrottleInterval: '50ms',
        shutdownGraceTime: '2s',
      });
      const executionId = `exec-${randomUUID()}`;
      const result = await worker.runUntil(
        env.client.workflow.execute('executionWorkflow', {
          taskQueue,
          workflowId: executionId,
          args: [workflowInput(executionId, COMMAND)],
        }),
      );
      expect(result).toMatchObject({ status: 'SUCCEEDED', seal: { completedAt, lastIndex: SEALED_LAST_INDEX } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('executionWorkflow: ingest mode chosen at registration', () => {
  it('push: registers before the command starts, runs no ingest activity, and drains in push mode', async () => {
    const completedAt = Date.parse('2024-05-01T12:40:00.000Z');
    const { worker, recording, start } = await harness({ ingest: 'push', runCommand: exitsWith(0, completedAt) });
    const { handle, result, state } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      return { handle, result: await finished(handle), state: await handle.query(stateQuery) };
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(state).toMatchObject({ status: 'SUCCEEDED', ingest: 'push' });
    const location = workflowInput(handle.workflowId).location;
    expect(recording.registerInputs).toEqual([{ executionId: handle.workflowId, location }]);
    expect(recording.ingestInputs).toEqual([]);
    expect(recording.events).toEqual(['registerExecution', 'runCommand:start', 'runCommand:end', 'drainAndSeal']);
    expect(recording.drainInputs).toEqual([
      {
        executionId: handle.workflowId,
        location,
        completion: { status: 'SUCCEEDED', completedAt, exitCode: 0 },
        settleMs: SETTLE_MS,
        ingest: 'push',
      },
    ]);
  });

  it('push: an external execution waits for its complete signal with no ingest activity, and says push', async () => {
    const completion: Completion = { status: 'SUCCEEDED', completedAt: Date.parse('2024-05-01T12:40:01.000Z') };
    const { worker, recording, start } = await harness({ ingest: 'push' });
    await worker.runUntil(async () => {
      const handle = await start();
      await waitFor(() => recording.events.includes('registerExecution'));
      await waitForQuery(handle, (state) => state.ingest === 'push');
      expect(await currentDetails(handle)).toMatch(/^\*\*Running\*\*.*\(push: /);
      await handle.signal(completeSignal, completion);
      await finished(handle);
    });
    expect(recording.ingestInputs).toEqual([]);
    expect(recording.drainInputs.map((input) => [input.completion, input.ingest])).toEqual([[completion, 'push']]);
  });

  it('the command starts only once registration has answered', async () => {
    const gate = new Gate();
    const { worker, recording, start } = await harness({
      ingest: 'push',
      holdRegistration: gate,
      runCommand: exitsWith(0, Date.parse('2024-05-01T12:40:02.000Z')),
    });
    await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('registerExecution'));
      // Registration is held: the state says the mode is not known yet, and nothing else ran.
      expect(await handle.query(stateQuery)).toMatchObject({ status: 'RUNNING', ingest: null });
      expect(recording.events).toEqual(['registerExecution']);
      gate.release();
      await finished(handle);
    });
    expect(recording.events).toEqual(['registerExecution', 'runCommand:start', 'runCommand:end', 'drainAndSeal']);
  });

  it('a stop during registration still registers, then drains and seals STOPPED', async () => {
    const gate = new Gate();
    const { worker, recording, start } = await harness({ ingest: 'push', holdRegistration: gate });
    const { result } = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('registerExecution'));
      await handle.cancel();
      gate.release();
      return { result: await finished(handle) };
    });
    expect(result.status).toBe('STOPPED');
    expect(recording.runCommandInputs).toEqual([]);
    expect(recording.drainInputs.map((input) => input.ingest)).toEqual(['push']);
  });
});

describe('executionWorkflow: histories recorded before push ingest', () => {
  // Recorded with the workflow as it was before registration existed (no patch marker): they must replay, and an
  // execution started then and still running continues as it began, polled.
  it.each(['managed-succeeded', 'external-succeeded', 'external-stopped'])('%s replays', async (name) => {
    // Encoded protobuf `History`, as fetched from the dev server when they were recorded.
    const history = temporal.api.history.v1.History.decode(
      readFileSync(path.join(__dirname, 'histories', `${name}.bin`)),
    );
    await expect(
      Worker.runReplayHistory({ workflowBundle, replayName: `pre-push-${name}` }, history),
    ).resolves.toBeUndefined();
  });
});

describe('executionWorkflow: determinism', () => {
  it('replays the history of a finished execution', async () => {
    const completion: Completion = { status: 'SUCCEEDED', completedAt: Date.parse('2024-05-01T12:00:08.000Z') };
    const { worker, recording, start } = await harness({ runCommand: runsUntilCancelled });
    const history = await worker.runUntil(async () => {
      const handle = await start(COMMAND);
      await waitFor(() => recording.events.includes('runCommand:start'));
      await handle.signal(completeSignal, completion);
      await handle.result();
      return handle.fetchHistory();
    });

    await expect(
      Worker.runReplayHistory({ workflowBundle, replayName: 'execution-workflow-replay' }, history),
    ).resolves.toBeUndefined();
  });
});

/** Waits until the workflow closes, whatever its outcome, and returns the execution's status and seal (query). */
async function finished(handle: ExecutionHandle): Promise<ExecutionWorkflowResult> {
  await handle.result().catch((error: unknown) => {
    // FAILED and STOPPED executions end their workflows Failed or Canceled: the outcome is read from the state.
    if (!(error instanceof Error && error.name === 'WorkflowFailedError')) throw error;
  });
  const state = await handle.query(stateQuery);
  if (state.seal === null) throw new Error(`workflow ${handle.workflowId} closed without a seal`);
  return { status: state.status, seal: state.seal };
}

/** The failure a closed workflow ended with (its `result()` rejection's cause), or undefined when it completed. */
async function closingFailure(handle: ExecutionHandle): Promise<ApplicationFailure | Error | undefined> {
  try {
    await handle.result();
    return undefined;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'WorkflowFailedError')) throw error;
    return (error as Error & { cause?: Error }).cause;
  }
}

/** The workflow's current details (what the Temporal UI shows under "Current details"). */
async function currentDetails(handle: ExecutionHandle): Promise<string | undefined> {
  const metadata = await handle.query<{ currentDetails?: string | null }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? undefined;
}

/** Polls the state query until `predicate` holds (the workflow answers it after the task that changed it). */
async function waitForQuery(handle: ExecutionHandle, predicate: (state: ExecutionState) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate(await handle.query(stateQuery))) {
    if (Date.now() > deadline) throw new Error(`state never matched: ${predicate.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls a condition the mocked activities make true (no fixed sleeps standing in for synchronisation). */
async function waitFor(predicate: () => boolean): Promise<void> {
  // A guard so a broken workflow fails the test with a message instead of hitting Jest's timeout.
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${predicate.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
