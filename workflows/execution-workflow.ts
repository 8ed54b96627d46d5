import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  isExitCode,
  isTerminalStatus,
  statusForExitCode,
  type Completion,
  type IngestMode,
  type LogSeal,
} from '../src/domain';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  completionQuery,
  EXECUTION_FAILED_TYPE,
  EXECUTION_STATUS_KEY,
  PUSH_INGEST_PATCH,
  registeredUpdate,
  stateQuery,
  type ExecutionWorkflowInput,
  type ExecutionWorkflowResult,
} from './messages';

type Activities = ReturnType<typeof createActivities>;

/**
 * One execution: registers it and its ingest mode (push: the shard forwarders copy its log; poll: its own
 * ingest activity does), waits for completion (the `complete` signal, or the built-in command runner's
 * result), records the status, stops live ingest, drains what is still missing and seals the log.
 * Cancelling the workflow stops the execution (STOPPED).
 * Once the log is sealed the job's outcome becomes the workflow's: SUCCEEDED completes it, FAILED
 * fails it (a non-retryable `ApplicationFailure` holding the seal), STOPPED cancels it.
 */
export async function executionWorkflow(input: ExecutionWorkflowInput): Promise<ExecutionWorkflowResult> {
  const { executionId, location, command, timings } = input;
  const heartbeatTimeout = timings.heartbeatTimeoutMs;
  const { ingest } = proxyActivities<Activities>({
    summary: `live ingest of ${describeLocation(location)}`,
    startToCloseTimeout: '30 days',
    heartbeatTimeout,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const { runCommand } = proxyActivities<Activities>({
    summary: `run ${shorten(command?.join(' ') ?? '')}`,
    startToCloseTimeout: timings.commandTimeoutMs,
    heartbeatTimeout: timings.commandHeartbeatTimeoutMs ?? heartbeatTimeout,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // A command is not idempotent: running it again after a lost worker would run the job twice.
    retry: { maximumAttempts: 1 },
  });
  const { drainAndSeal } = proxyActivities<Activities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const { registerExecution } = proxyActivities<Activities>({
    summary: `register ${describeLocation(location)} and choose its ingest mode`,
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });

  let completion: Completion | undefined;
  let sealed: LogSeal | undefined;
  let mode: IngestMode | undefined;
  let cancelled: unknown;
  const complete = (candidate: Completion): void => {
    if (completion === undefined) completion = candidate;
  };
  setHandler(completeSignal, (signal) => {
    if (isTerminalStatus(signal?.status) && Number.isFinite(signal.completedAt)) {
      complete({
        status: signal.status,
        completedAt: signal.completedAt,
        ...(isExitCode(signal.exitCode) ? { exitCode: signal.exitCode } : {}),
        ...writerFacts(signal),
      });
    } else {
      log.warn('ignored a malformed complete signal', { executionId });
    }
  });
  setHandler(completionQuery, () => completion ?? null);
  setHandler(stateQuery, () => ({
    status: completion?.status ?? 'RUNNING',
    completion: completion ?? null,
    seal: sealed ?? null,
    ingest: mode ?? null,
  }));
  let registered = false;
  setHandler(registeredUpdate, async () => {
    await condition(() => registered);
    return mode ?? 'poll';
  });
  upsertSearchAttributes([{ key: EXECUTION_STATUS_KEY, value: 'RUNNING' }]);

  if (patched(PUSH_INGEST_PATCH)) {
    // Before the command starts, so that a push execution's first line is already routed. Not cancellable: a stop
    // meanwhile still finds the execution registered (its drain needs the mode), and is seen right after.
    // An external execution's streams may hold lines already: registration then chooses poll, which keeps their order.
    const registering = { executionId, location, ...(command === undefined ? { external: true } : {}) };
    mode = (await CancellationScope.nonCancellable(() => registerExecution(registering))).ingest;
  }
  registered = true;
  setCurrentDetails(
    `**Running**: the log of ${describeLocation(location)} is copied as it is written (${describeMode(mode)}).`,
  );

  const ingestScope = new CancellationScope();
  // A live ingest that fails for good must not keep the execution from completing: the final
  // drain copies whatever it left behind. A push execution has none: the shard forwarders copy its log.
  const ingestDone =
    mode === 'push'
      ? Promise.resolve()
      : ingestScope
          .run(() => ingest({ executionId, location }))
          .catch((error: unknown) => {
            if (!isCancellation(error)) log.error('live ingest failed', { executionId, error: String(error) });
          });

  const runScope = new CancellationScope();
  let runDone: Promise<void> = Promise.resolve();
  if (command) {
    runDone = runScope
      .run(() => runCommand({ executionId, location, command }))
      .then(
        (result) =>
          complete({
            status: statusForExitCode(result.exitCode),
            completedAt: result.completedAt,
            exitCode: result.exitCode,
            ...writerFacts(result),
          }),
        (error: unknown) => {
          if (isCancellation(error)) return;
          log.error('command runner failed', { executionId, error: String(error) });
          complete({ status: 'FAILED', completedAt: Date.now() });
        },
      );
  }

  try {
    await condition(() => completion !== undefined);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = error;
    complete({ status: 'STOPPED', completedAt: Date.now() });
  }
  const final = completion ?? { status: 'STOPPED', completedAt: Date.now() };

  const result = await CancellationScope.nonCancellable(async () => {
    // An external completion (or a stop) of a managed execution ends its command too.
    runScope.cancel();
    await runDone;
    upsertSearchAttributes([
      { key: EXECUTION_STATUS_KEY, value: final.status },
      { key: COMPLETED_AT_KEY, value: new Date(final.completedAt) },
    ]);
    setCurrentDetails(`**Completed**: ${describeCompletion(final)}. Draining the rest of the log, then sealing it.`);
    ingestScope.cancel();
    await ingestDone;
    const seal = await drainAndSeal.executeWithOptions(
      { summary: `drain and seal the log: ${describeCompletion(final)}, settle ${timings.settleMs} ms` },
      [{ executionId, location, completion: final, settleMs: timings.settleMs, ...(mode ? { ingest: mode } : {}) }],
    );
    sealed = seal;
    setCurrentDetails(`**Sealed**: ${describeCompletion(final)}; the log is complete, last index ${seal.lastIndex}.`);
    return { status: final.status, seal };
  });
  return outcome(result, cancelled);
}

/**
 * The job's outcome as the workflow's, once its log is sealed (the Temporal UI's Completed, Failed and Canceled, and
 * its Failures filter, then mean what they say about the job).
 */
function outcome(result: ExecutionWorkflowResult, cancelled: unknown): ExecutionWorkflowResult {
  const { seal } = result;
  if (result.status === 'FAILED') {
    throw ApplicationFailure.create({
      type: EXECUTION_FAILED_TYPE,
      message: `job failed: ${describeCompletion(seal)}; log sealed at index ${seal.lastIndex}`,
      nonRetryable: true,
      details: [seal],
    });
  }
  if (result.status === 'STOPPED') {
    // Rethrowing the workflow's own cancellation ends it Canceled; a STOPPED reported by a runner has no cancellation
    // to rethrow, so it ends with a CancelledFailure holding the seal.
    if (cancelled !== undefined) throw cancelled;
    throw new CancelledFailure(`stopped by its runner; log sealed at index ${seal.lastIndex}`, [seal]);
  }
  return result;
}

function describeCompletion(completion: Completion): string {
  const exit = completion.exitCode !== undefined ? `, exit code ${completion.exitCode}` : '';
  return `${completion.status}${exit} at ${new Date(completion.completedAt).toISOString()}`;
}

function describeMode(mode: IngestMode | undefined): string {
  if (mode === 'push') return 'push: the shard forwarders copy it from the subscription';
  return 'poll: its ingest activity reads CloudWatch';
}

function describeLocation(location: ExecutionWorkflowInput['location']): string {
  return shorten(`${location.logGroup} ${location.logStreams.join(', ')}`);
}

// Activity summaries are single lines in the event history.
function shorten(text: string): string {
  return text.length > 150 ? `${text.slice(0, 149)}…` : text;
}

/**
 * What a writer reports about its writes (the command runner's result, or an external runner's
 * signal), kept only when well-formed: the drain's settle window starts at `lastWriteAt`.
 */
function writerFacts(report: {
  lastWriteAt?: unknown;
  rejectedEvents?: unknown;
  eventCount?: unknown;
  uncertainWrites?: unknown;
}): Partial<Completion> {
  const { lastWriteAt, rejectedEvents, eventCount, uncertainWrites } = report;
  const count = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
  return {
    ...(count(eventCount) && eventCount >= 0 ? { eventCount } : {}),
    ...(count(uncertainWrites) && uncertainWrites > 0 ? { uncertainWrites } : {}),
    ...(typeof lastWriteAt === 'number' && Number.isFinite(lastWriteAt) ? { lastWriteAt } : {}),
    ...(typeof rejectedEvents === 'number' && Number.isSafeInteger(rejectedEvents) && rejectedEvents > 0
      ? { rejectedEvents }
      : {}),
  };
}
