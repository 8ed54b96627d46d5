import type { ShardLossWindow, ShardProgress } from '../../src/domain';
import type { ShardRead } from '../../src/ports';

/** A checkpoint with the arrival time of its record, when known. */
export interface Checkpoint {
  readonly sequenceNumber: string;
  /** Arrival time (epoch ms) of the checkpoint's record; undefined when nobody kept it. */
  readonly arrivedAt?: number;
}

/** Where a run of a shard's consumer starts. */
export interface ShardStart {
  readonly checkpoint?: Checkpoint;
  /** What the shard's progress item says is stored already: this run's reports start from it, so none is stale. */
  readonly caughtUpTo: number;
}

/**
 * The newer of the run's own checkpoint (its last heartbeat's, or the workflow's) and the one kept in the shard's
 * progress item, which outlives the workflow: a forwarder started again after a termination has none of its own and
 * resumes there instead of at the oldest record kept. Sequence numbers of one shard grow, compared as integers.
 */
export function shardStart(own: Checkpoint | undefined, kept: readonly ShardProgress[], shardId: string): ShardStart {
  let checkpoint = own;
  let caughtUpTo = 0;
  // A registry may list a shard more than once (a fake keeping every report): the newest of each wins.
  for (const progress of kept) {
    if (progress.shardId !== shardId) continue;
    caughtUpTo = Math.max(caughtUpTo, progress.caughtUpTo);
    const at = progress.checkpoint;
    if (at === undefined || !isSequenceNumber(at)) continue;
    const mine = checkpoint?.sequenceNumber;
    if (mine === undefined || !isSequenceNumber(mine) || BigInt(at) > BigInt(mine)) {
      checkpoint = { sequenceNumber: at, arrivedAt: progress.checkpointAt };
    } else if (checkpoint !== undefined && checkpoint.arrivedAt === undefined && progress.checkpointAt !== undefined) {
      // An older checkpoint's record arrived no later than the run's: a lower bound for a loss window's start.
      checkpoint = { ...checkpoint, arrivedAt: progress.checkpointAt };
    }
  }
  return { ...(checkpoint === undefined ? {} : { checkpoint }), caughtUpTo };
}

/** A trimmed checkpoint found, waiting for the first read from the oldest record kept to say where the loss ends. */
export interface PendingLoss {
  readonly from: number;
  readonly afterSequenceNumber: string;
  readonly detectedAt: number;
}

/**
 * The loss window a read from TRIM_HORIZON closes: up to the arrival of the oldest record still readable, or to the
 * read's start when it found the shard empty up to its tip. Undefined while Kinesis answers empty pages behind the
 * tip (the oldest readable record is not known yet).
 */
export function closeLossWindow(pending: PendingLoss, read: ShardRead, startedAt: number): ShardLossWindow | undefined {
  const first = read.records[0];
  let to: number;
  if (first !== undefined) to = first.arrivedAt;
  else if (read.millisBehindLatest === 0 || read.nextIterator === undefined) to = startedAt;
  else return undefined;
  return { ...pending, from: Math.min(pending.from, to), to };
}

function isSequenceNumber(value: string): boolean {
  return /^\d+$/.test(value);
}
