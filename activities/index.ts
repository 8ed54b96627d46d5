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
  /** How long a log is kept after its execution completed (seconds); counted from the seal. */
  readonly ttlSeconds: number;
  readonly now?: () => number;
}

/** Builds the activities around their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;
  // Records and chunks of a running execution carry no expiry (nothing expires while it runs,
  // however long); the seal gives them one.
  const register = (input: { executionId: string; location: DrainInput['location'] }) =>
    deps.store.registerExecution({ executionId: input.executionId, location: input.location, startedAt: now() });
  return {
    runCommand: (input: RunCommandInput) => runCommand(deps.source, input),
    ingest: async (input: IngestInput): Promise<void> => {
      await register(input);
      return ingest(deps, input);
    },
    drainAndSeal: async (input: DrainInput) => {
      // The seal needs the record (it never creates one): ingest may have been cancelled before it ran.
      await register(input);
      return drainAndSeal(
        { store: deps.store, source: deps.source, pollMs: deps.pacing.minMs, ttlSeconds: deps.ttlSeconds },
        input,
      );
    },
  };
}
