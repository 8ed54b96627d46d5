import type { LogAudit, LogSource, LogStore, PushRegistry, ReadBudget, ShardSource } from '../src/ports';
import { drainAndSeal, type DrainInput } from './shared/drain-and-seal';
import { ingest, type IngestInput, type PollPacing } from './poll/ingest';
import { registerExecution, type PushSettings, type RegisterInput } from './shared/register-execution';
import { runCommand, type RunCommandInput } from './command/run-command';
import { sharedReads } from './shared/shared-reads';
import { StreamVerifier } from './push/stream-verifier';

export type { DrainInput } from './shared/drain-and-seal';
export type { IngestInput, IngestProgress, PollPacing } from './poll/ingest';
export type { PushSettings, RegisterInput, Registration } from './shared/register-execution';
export type { RunCommandInput, RunCommandResult } from './command/run-command';

/** What the activities need from the process that hosts them. */
export interface ActivityDeps {
  readonly store: LogStore;
  readonly source: LogSource;
  /** Push ingest: stream routes and the forwarders' progress. */
  readonly registry: PushRegistry;
  /** Push ingest: whether a log group is subscribed, and the seal's bounded check against CloudWatch. */
  readonly audit: LogAudit;
  /** Push ingest: the Kinesis stream's shards (the seal waits for the forwarder of each). */
  readonly shards: ShardSource;
  readonly push: PushSettings;
  readonly pacing: PollPacing;
  /** How long a log is kept after its execution completed (seconds); counted from the seal. */
  readonly ttlSeconds: number;
  /**
   * How long an event CloudWatch accepted from a managed job may take to be stored (ms) before the running job's log
   * is reported with a gap (default: not watched).
   */
  readonly gapAllowanceMs?: number;
  /** The account-wide budget of CloudWatch reads the seal's proofs take from (default: none). */
  readonly readBudget?: ReadBudget;
  readonly now?: () => number;
}

/** Builds the activities around their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? Date.now;
  // The push drains of all the worker's executions watch the same shards: one look serves them all for a moment.
  const shards = { listShards: sharedReads((stream) => deps.shards.listShards(stream), 1000) };
  const progress = {
    listShardProgress: sharedReads((stream) => deps.registry.listShardProgress(stream), 250),
    putWatches: (stream: string, ids: readonly string[], untilMs: number) =>
      deps.registry.putWatches(stream, ids, untilMs),
  };
  // One verifier for all the worker's drains: their reads of small logs share FilterLogEvents calls.
  const verifier = new StreamVerifier({ audit: deps.audit, budget: deps.readBudget });
  const register = (input: { executionId: string; location: DrainInput['location'] }) =>
    deps.store.registerExecution({ executionId: input.executionId, location: input.location, startedAt: now() });
  return {
    registerExecution: (input: RegisterInput) => registerExecution({ ...deps, now }, input),
    runCommand: (input: RunCommandInput) =>
      runCommand(
        deps.source,
        input,
        {},
        deps.gapAllowanceMs === undefined ? undefined : { store: deps.store, allowanceMs: deps.gapAllowanceMs },
      ),
    ingest: async (input: IngestInput): Promise<void> => {
      await register(input);
      return ingest(deps, input);
    },
    drainAndSeal: async (input: DrainInput) => {
      // The seal needs the record (it never creates one): ingest may have been cancelled before it ran.
      await register(input);
      return drainAndSeal(
        {
          store: deps.store,
          source: deps.source,
          pollMs: deps.pacing.minMs,
          ttlSeconds: deps.ttlSeconds,
          push: { registry: progress, verifier, shards, streamName: deps.push.streamName },
        },
        input,
      );
    },
  };
}
