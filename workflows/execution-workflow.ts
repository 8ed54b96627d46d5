import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { isExitCode, isTerminalStatus, statusForExitCode, type Completion } from '../src/domain';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  completionQuery,
  EXECUTION_STATUS_KEY,
  type ExecutionWorkflowInput,
  type ExecutionWorkflowResult,
} from './messages';

type Activities = ReturnType<typeof createActivities>;

/**
 * One execution: ingests its log while it runs, waits for completion (the `complete` signal, or
 * the built-in command runner's result), records the status, stops live ingest, drains what
 * CloudWatch still has and seals the log. Cancelling the workflow stops the execution (STOPPED).
 */
export async function executionWorkflow(input: ExecutionWorkflowInput): Promise<ExecutionWorkflowResult> {
  const { executionId, location, command, timings } = input;
  const heartbeatTimeout = timings.heartbeatTimeoutMs;
  const { ingest } = proxyActivities<Activities>({
    startToCloseTimeout: '30 days',
    heartbeatTimeout,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const { runCommand } = proxyActivities<Activities>({
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

  let completion: Completion | undefined;
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
  upsertSearchAttributes([{ key: EXECUTION_STATUS_KEY, value: 'RUNNING' }]);

  const ingestScope = new CancellationScope();
  // A live ingest that fails for good must not keep the execution from completing: the final
  // drain copies whatever it left behind.
  const ingestDone = ingestScope
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
    complete({ status: 'STOPPED', completedAt: Date.now() });
  }
  const final = completion ?? { status: 'STOPPED', completedAt: Date.now() };

  return CancellationScope.nonCancellable(async () => {
    // An external completion (or a stop) of a managed execution ends its command too.
    runScope.cancel();
    await runDone;
    upsertSearchAttributes([
      { key: EXECUTION_STATUS_KEY, value: final.status },
      { key: COMPLETED_AT_KEY, value: new Date(final.completedAt) },
    ]);
    ingestScope.cancel();
    await ingestDone;
    const seal = await drainAndSeal({ executionId, location, completion: final, settleMs: timings.settleMs });
    return { status: final.status, seal };
  });
}

/**
 * What a writer reports about its writes (the command runner's result, or an external runner's
 * signal), kept only when well-formed: the drain's settle window starts at `lastWriteAt`.
 */
function writerFacts(report: { lastWriteAt?: unknown; rejectedEvents?: unknown }): Partial<Completion> {
  const { lastWriteAt, rejectedEvents } = report;
  return {
    ...(typeof lastWriteAt === 'number' && Number.isFinite(lastWriteAt) ? { lastWriteAt } : {}),
    ...(typeof rejectedEvents === 'number' && Number.isSafeInteger(rejectedEvents) && rejectedEvents > 0
      ? { rejectedEvents }
      : {}),
  };
}
