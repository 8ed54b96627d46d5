import type { LogSource, LogStore } from '../src/ports';
import { drainAndSeal, type DrainInput } from './drain-and-seal';
import { ingest, type IngestInput, type PollPacing } from './ingest';
import { runCommand, type RunCommandInput } from './run-command';

export type { DrainInput } from './drain-and-seal';
export type { IngestInput, IngestProgress, PollPacing } from './ingest';
export type { RunCommandInput, RunCommandResult } from './run-command';

/** What the activities need from the process that hosts them. */
export interface ActivityDeps {
  readonly store: LogStore;
  readonly source: LogSource;
  readonly pacing: PollPacing;
  /** How long a log is kept after its execution completed (seconds). */
  readonly ttlSeconds: number;
  /** Longest an execution may run, added to the TTL of chunks written while it runs (seconds). */
  readonly maxRunSeconds: number;
  readonly now?: () => number;
}

/** Builds the activities around their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;
  // Chunks written while running do not know the completion time yet: they outlive the longest run.
  const runningExpiry = (): number => Math.ceil(now() / 1000) + deps.ttlSeconds + deps.maxRunSeconds;
  return {
    runCommand: (input: RunCommandInput) => runCommand(deps.source, input),
    ingest: async (input: IngestInput): Promise<void> => {
      await deps.store.registerExecution(
        { executionId: input.executionId, location: input.location, startedAt: now() },
        runningExpiry(),
      );
      return ingest({ ...deps, expiresAt: runningExpiry }, input);
    },
    drainAndSeal: (input: DrainInput) =>
      drainAndSeal(
        { store: deps.store, source: deps.source, pollMs: deps.pacing.minMs, ttlSeconds: deps.ttlSeconds },
        input,
      ),
  };
}
