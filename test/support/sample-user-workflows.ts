// A user's own workflows, as an application that adds logstream to its worker writes them: they call the workflow-side
// helper to run a logged job as a child, complete or stop it, and await its seal. Bundled by the tests with the user's
// worker; the helper's children run on logstream's task queue.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ExecutionTimings, ExecutionWorkflowResult } from '../../workflows/messages';
import { startLoggedExecution } from '../../workflows/logged-execution';

/** Where the children run and how fast they settle (tests shorten the settle window). */
export interface SampleOptions {
  readonly taskQueue: string;
  readonly timings?: Partial<ExecutionTimings>;
  readonly logGroup?: string;
  readonly executionId?: string;
}

/** What a sample workflow returns: the logged execution's id and its sealed outcome. */
export interface SampleResult {
  readonly executionId: string;
  readonly result: ExecutionWorkflowResult;
}

/** The user's own activity: it does the work and writes its output to CloudWatch itself. */
export interface UserActivities {
  writeJobLines(input: { logGroup: string; logStream: string; lines: string[] }): Promise<number>;
}

/** Lets a test stop a sample once its logged execution has started. */
export const stopLoggedSignal = defineSignal('stopLogged');

/** A user's workflow running a command through logstream and waiting for its sealed log. */
export async function runLoggedCommand(input: SampleOptions & { command: string[] }): Promise<SampleResult> {
  const execution = await startLoggedExecution({ command: input.command }, input);
  return { executionId: execution.executionId, result: await execution.sealed() };
}

/** A user's workflow whose own activity writes the job's log; it then signals completion and awaits the seal. */
export async function runExternalJob(
  input: SampleOptions & { logStream: string; lines: string[]; exitCode: number },
): Promise<SampleResult> {
  const logGroup = input.logGroup ?? '/logstream/executions';
  const execution = await startLoggedExecution({ logGroup, logStream: input.logStream }, input);
  const { writeJobLines } = proxyActivities<UserActivities>({ startToCloseTimeout: '1 minute' });
  await writeJobLines({ logGroup, logStream: input.logStream, lines: input.lines });
  await execution.complete({ status: input.exitCode === 0 ? 'SUCCEEDED' : 'FAILED', exitCode: input.exitCode });
  return { executionId: execution.executionId, result: await execution.sealed() };
}

/** A user's workflow that starts a long job and stops it when told (`stopLogged`). */
export async function stopLoggedCommand(input: SampleOptions & { command: string[] }): Promise<SampleResult> {
  let stopRequested = false;
  setHandler(stopLoggedSignal, () => void (stopRequested = true));
  const execution = await startLoggedExecution({ command: input.command }, input);
  await condition(() => stopRequested);
  await execution.stop();
  return { executionId: execution.executionId, result: await execution.sealed() };
}

/** A workflow of the user's own that has nothing to do with logstream: it keeps running on the user's worker. */
export async function greet(name: string): Promise<string> {
  return `hello, ${name}`;
}
