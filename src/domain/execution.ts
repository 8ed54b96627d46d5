import type { ExecutionStatus, TerminalStatus } from './status';

/** Where an execution's log lives in CloudWatch Logs. */
export interface LogLocation {
  readonly logGroup: string;
  readonly logStreams: readonly string[];
}

/** What starts an execution: a command the worker runs, or an external job that writes its own log. */
export interface ExecutionSpec {
  readonly executionId: string;
  readonly location: LogLocation;
  /** argv of a managed execution; undefined for an external one. */
  readonly command?: readonly string[];
}

/** The completion of an execution, as the `complete` signal carries it. */
export interface Completion {
  readonly status: TerminalStatus;
  /** Epoch milliseconds. */
  readonly completedAt: number;
  /** The job's exit code, when it has one (the built-in runner's command, or what a runner reports). */
  readonly exitCode?: number;
  /**
   * Epoch ms of the writer's last successful PutLogEvents, when it knows it. The final drain's settle
   * window starts at `max(completedAt, lastWriteAt)`: lines flushed after the exit are still waited for.
   */
  readonly lastWriteAt?: number;
  /** Lines the writer could not store in CloudWatch (rejected or undeliverable), when there were any. */
  readonly rejectedEvents?: number;
  /**
   * Events CloudWatch accepted into the execution's streams, as the writer counted them (the built-in runner, or an
   * external producer's `event_count`). With no uncertain write, a stored count equal to it proves the log complete
   * without reading CloudWatch.
   */
  readonly eventCount?: number;
  /** Writes whose outcome the writer does not know (a failure after the call may have taken effect). */
  readonly uncertainWrites?: number;
}

/** True for an exit code a process can report (0..255). */
export function isExitCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** The seal of a log: written once the final drain is done; a sealed log is complete. */
export interface LogSeal extends Completion {
  readonly lastIndex: number;
  readonly sealedAt: number;
  /** Events the proof found in CloudWatch and not in the store, stored before the seal (marked `recovered`). */
  readonly recoveredEvents?: number;
  /** Events found stored twice (never expected: reported, never sealed silently). */
  readonly duplicateEvents?: number;
  /** How the log was proven complete: by the writer's count (no CloudWatch read), or by reading CloudWatch. */
  readonly proof?: SealProof;
}

/** How a seal's log was proven complete. */
export type SealProof = 'count' | 'cloudwatch';

/** True for a seal proof's name. */
export function isSealProof(value: unknown): value is SealProof {
  return value === 'count' || value === 'cloudwatch';
}

/**
 * How an execution's log reaches the store, chosen once at registration: `push` = the forwarder copies
 * what the log group's subscription filter delivers through Kinesis; `poll` = the execution's own
 * ingest activity reads CloudWatch (no subscription, or a log group logstream may not subscribe).
 */
export type IngestMode = 'push' | 'poll';

/** True for a valid ingest mode. */
export function isIngestMode(value: unknown): value is IngestMode {
  return value === 'push' || value === 'poll';
}

/** What the log store keeps about an execution besides its chunks; outlives Temporal's retention. */
export interface ExecutionRecord {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly startedAt: number;
  /** How its log is ingested; absent in records written before push ingest existed (they were polled). */
  readonly ingest?: IngestMode;
  readonly seal?: LogSeal;
}

/** Push ingest: the execution whose log a CloudWatch log stream is (the forwarder routes events by it). */
export interface StreamRoute {
  readonly logGroup: string;
  readonly logStream: string;
  readonly executionId: string;
}

/** Push ingest: how far the forwarder of one Kinesis shard has got. */
export interface ShardProgress {
  /** Kinesis stream name. */
  readonly streamName: string;
  readonly shardId: string;
  /**
   * Every record that arrived on the shard before this time (epoch ms) is stored: the start of the
   * last GetRecords call that reached the shard's tip (MillisBehindLatest 0), once all it returned was
   * stored. 0 until the forwarder first reaches the tip.
   */
  readonly caughtUpTo: number;
  /** The shard is closed (resharding) and every record of it is stored. */
  readonly closed: boolean;
  /** Epoch ms of this report. */
  readonly updatedAt: number;
  /**
   * Sequence number of the last record whose events are all stored: where a new forwarder of the shard resumes
   * (after it) when it has no checkpoint of its own. Absent until the forwarder first stored a record.
   */
  readonly checkpoint?: string;
  /** Arrival time (epoch ms) of the checkpoint's record. */
  readonly checkpointAt?: number;
  /**
   * Every record that arrived before this time (epoch ms) was read and stored, but for the events of executions
   * nobody watched, which the forwarder may hold back (`caughtUpTo` stays behind those). Absent: `caughtUpTo`.
   */
  readonly readUpTo?: number;
  /**
   * When the read of the watches began that the forwarder held events by, up to `readUpTo` (epoch ms): an execution
   * watched since before it had nothing held back, so `readUpTo` holds for it (see `PushRegistry.putWatches`).
   */
  readonly watchesAsOf?: number;
  /** Records of the shard lost to retention before the forwarder read them (read-only: see `ShardLossWindow`). */
  readonly lossWindows?: readonly ShardLossWindow[];
}

/**
 * Push ingest: records a shard's forwarder could not read because Kinesis trimmed them (its checkpoint was older
 * than the stream's retention). Every execution whose log overlaps the window must be verified in full before its
 * seal: events of its streams may be in CloudWatch and not in the store.
 */
export interface ShardLossWindow {
  /** Arrival time (epoch ms) of the trimmed checkpoint's record: the lost records arrived after it (0: unknown). */
  readonly from: number;
  /** Arrival time (epoch ms) of the oldest record still readable, or when the shard was found empty. */
  readonly to: number;
  /** The trimmed checkpoint the forwarder could not resume after. */
  readonly afterSequenceNumber: string;
  /** When the forwarder found the loss (epoch ms). */
  readonly detectedAt: number;
}

/**
 * Push ingest: the log tips the forwarder of one Kinesis shard has stored lately, so that a tail learns
 * which logs grew from one read of a few items rather than one read per log. A hint only: a tip may lag
 * the store (it is written after the chunks), never lead it.
 */
export interface ShardTips {
  /** Kinesis stream name. */
  readonly streamName: string;
  readonly shardId: string;
  /** The highest index the forwarder stored, per execution it appended to lately. */
  readonly tips: ReadonlyMap<string, number>;
  /** Epoch ms of this report. */
  readonly updatedAt: number;
}

/**
 * The tips of every shard of a stream as one map: one execution's streams may sit on several shards, and its tip is
 * the highest any of them stored.
 */
export function mergeShardTips(shards: Iterable<Iterable<readonly [string, number]>>): Map<string, number> {
  const merged = new Map<string, number>();
  for (const shard of shards) {
    for (const [executionId, last] of shard) merged.set(executionId, Math.max(last, merged.get(executionId) ?? 0));
  }
  return merged;
}

/** An execution as the directory (Temporal) describes it. */
export interface ExecutionInfo {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly startedAt: number;
  readonly completedAt?: number;
  /**
   * True while the workflow itself runs. A completed status with `open` means the final drain has
   * not sealed the log yet: the stored log must not be guessed complete.
   */
  readonly open: boolean;
  /** Where the log lives, as the workflow was started with (so it is known without the store). */
  readonly location?: LogLocation;
}

/** The default log stream of a managed execution. */
export function managedLogStream(executionId: string): string {
  return `executions/${executionId}`;
}
