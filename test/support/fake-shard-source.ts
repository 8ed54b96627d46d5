// An in-memory Kinesis stream behind the ShardSource port, as strict as Kinesis where it matters to a consumer.
import type { SubscriptionEvent, SubscriptionMessage } from '../../src/domain';
import {
  DependencyError,
  type HashKeyRange,
  type ShardInfo,
  type ShardRead,
  type ShardRecord,
  type ShardSource,
} from '../../src/ports';
import { awsError } from './fake-put-rules';
import { FailureSchedule } from './fake-failures';

// Kinesis's per-shard read limit and iterator lifetime, restated from the AWS documentation.
const GET_RECORDS_PER_SECOND = 5;
const ITERATOR_TTL_MS = 5 * 60_000;
const MAX_RECORDS_PER_READ = 10_000;
const DEFAULT_RETENTION_MS = 24 * 3_600_000;

/** Operations of the fake, for counting and failure injection. */
export type ShardOperation = 'listShards' | 'iteratorAfter' | 'read';

interface FakeShard {
  readonly info: {
    shardId: string;
    parentShardId?: string;
    adjacentParentShardId?: string;
    closed: boolean;
    hashKeyRange?: HashKeyRange;
  };
  /** Every record put, trimmed ones included (positions stay put); `readable` says which are kept. */
  readonly records: ShardRecord[];
}

/** How a shard is added: its parents (resharding) and the partition-key hashes it holds. */
export interface FakeShardOptions {
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly hashKeyRange?: HashKeyRange;
}

interface IteratorState {
  readonly shardId: string;
  /** Index in the shard's records of the next record to return. */
  readonly position: number;
  readonly issuedAt: number;
}

/** Options of the in-memory shard source. */
export interface InMemoryShardSourceOptions {
  /** Clock (epoch ms) for iterator expiry, the read quota and arrival times. */
  readonly now: () => number;
  readonly streamName?: string;
  /** How long a record stays readable (ms), default Kinesis's 24 h; older ones are trimmed. */
  readonly retentionMs?: number;
}

/**
 * An in-memory Kinesis stream of decoded subscription records: sequence numbers are 56-digit decimal strings
 * increasing across the stream (compare them as numbers and they break); iterators are opaque, expire after five
 * minutes (ExpiredIteratorException) and name the shard they read; GetRecords is limited to 5 calls per second per
 * shard over a sliding second (ProvisionedThroughputExceededException, throttled; a refused call does not count);
 * records older than the retention (24 h by default, on the fake's clock) are trimmed: TRIM_HORIZON starts after them,
 * an iterator into them reads from the oldest kept, and AFTER_SEQUENCE_NUMBER with a trimmed number (or a number of
 * another shard) is refused (InvalidArgumentException); a closed shard read to its end returns no next iterator and
 * names its children. Errors are `DependencyError`s carrying `awsCode`, as the
 * adapter raises them.
 */
export class InMemoryShardSource implements ShardSource {
  readonly calls: Record<ShardOperation, number> = { listShards: 0, iteratorAfter: 0, read: 0 };
  /** Start times of the admitted GetRecords calls, per shard. */
  readonly readTimes = new Map<string, number[]>();
  /** GetRecords calls refused for rate. */
  throttled = 0;
  readonly streamName: string;
  private readonly shards = new Map<string, FakeShard>();
  private readonly iterators = new Map<string, IteratorState>();
  private readonly failures = new FailureSchedule<ShardOperation>();
  private sequence = 49590338271490256608559692538361571095921575989136588898n;
  private issued = 0;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(options: InMemoryShardSourceOptions) {
    this.now = options.now;
    this.streamName = options.streamName ?? 'logstream-log-events';
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  /** Adds an open shard. */
  addShard(shardId: string, options: FakeShardOptions = {}): void {
    this.shards.set(shardId, { info: { shardId, ...options, closed: false }, records: [] });
  }

  /** Closes a shard (resharding): nothing more arrives on it. */
  closeShard(shardId: string): void {
    this.shard(shardId).info.closed = true;
  }

  /** Puts a DATA_MESSAGE record of one log stream; returns its sequence number. */
  putData(shardId: string, logGroup: string, logStream: string, events: readonly SubscriptionEvent[]): string {
    return this.put(shardId, { messageType: 'DATA_MESSAGE', logGroup, logStream, logEvents: events });
  }

  /** Puts a CONTROL_MESSAGE record (CloudWatch checking it can write). */
  putControl(shardId: string): string {
    return this.put(shardId, { messageType: 'CONTROL_MESSAGE' });
  }

  /** Puts a record that is not a subscription payload. */
  putMalformed(shardId: string, reason: string): string {
    return this.put(shardId, undefined, reason);
  }

  /** Puts the payload of an earlier record again as a new record (Kinesis's at-least-once delivery). */
  redeliver(shardId: string, sequenceNumber: string): string {
    const original = [...this.shards.values()]
      .flatMap((shard) => shard.records)
      .find((record) => record.sequenceNumber === sequenceNumber);
    if (original === undefined) throw new Error(`no record ${sequenceNumber}`);
    return this.put(shardId, original.message, original.malformed);
  }

  /** The next `count` calls of `operation` throw `error` (default: a retryable Kinesis failure). */
  failNext(operation: ShardOperation, count = 1, error?: () => unknown): void {
    this.failures.add(operation, {
      after: 0,
      count,
      error: error ?? (() => kinesisError(operation, 'InternalFailure', true)),
      applied: false,
    });
  }

  async listShards(streamName: string): Promise<ShardInfo[]> {
    this.calls.listShards++;
    this.check('listShards', streamName);
    return [...this.shards.values()].map((shard) => ({ ...shard.info }));
  }

  async iteratorAfter(streamName: string, shardId: string, after: string | undefined): Promise<string> {
    this.calls.iteratorAfter++;
    this.check('iteratorAfter', streamName);
    const shard = this.shards.get(shardId);
    if (shard === undefined) throw kinesisError('GetShardIterator', 'ResourceNotFoundException', false);
    const kept = this.firstKept(shard);
    let position = kept;
    if (after !== undefined) {
      const at = shard.records.findIndex((record) => record.sequenceNumber === after);
      if (at < kept) throw kinesisError('GetShardIterator', 'InvalidArgumentException', false);
      position = at + 1;
    }
    return this.issue(shardId, position);
  }

  async read(iterator: string, limit = MAX_RECORDS_PER_READ): Promise<ShardRead> {
    this.calls.read++;
    const failure = this.failures.take('read');
    if (failure) throw failure.error();
    const state = this.iterators.get(iterator);
    if (state === undefined) throw kinesisError('GetRecords', 'InvalidArgumentException', false);
    const now = this.now();
    if (state.issuedAt <= now - ITERATOR_TTL_MS) throw kinesisError('GetRecords', 'ExpiredIteratorException', false);
    const times = this.readTimes.get(state.shardId) ?? [];
    this.readTimes.set(state.shardId, times);
    if (times.filter((t) => t > now - 1000).length >= GET_RECORDS_PER_SECOND) {
      this.throttled++;
      throw kinesisError('GetRecords', 'ProvisionedThroughputExceededException', true, true);
    }
    times.push(now);
    const shard = this.shard(state.shardId);
    const from = Math.max(state.position, this.firstKept(shard));
    const records = shard.records.slice(from, from + Math.min(limit, MAX_RECORDS_PER_READ));
    const position = from + records.length;
    const atEnd = position >= shard.records.length;
    const millisBehindLatest = atEnd ? 0 : Math.max(1, now - (shard.records[position]?.arrivedAt ?? now));
    if (atEnd && shard.info.closed) {
      const children = [...this.shards.values()]
        .filter((s) => s.info.parentShardId === state.shardId || s.info.adjacentParentShardId === state.shardId)
        .map((s) => s.info.shardId);
      return { records, nextIterator: undefined, millisBehindLatest: 0, childShardIds: children };
    }
    return { records, nextIterator: this.issue(state.shardId, position), millisBehindLatest, childShardIds: [] };
  }

  private put(shardId: string, message: SubscriptionMessage | undefined, malformed?: string): string {
    const shard = this.shard(shardId);
    if (shard.info.closed) throw new Error(`shard ${shardId} is closed`);
    this.sequence += 1000n;
    const sequenceNumber = this.sequence.toString();
    shard.records.push({
      sequenceNumber,
      arrivedAt: this.now(),
      message,
      ...(message === undefined ? { malformed: malformed ?? 'malformed' } : {}),
    });
    return sequenceNumber;
  }

  /** Position of the oldest record within the retention. */
  private firstKept(shard: FakeShard): number {
    const horizon = this.now() - this.retentionMs;
    const kept = shard.records.findIndex((record) => record.arrivedAt > horizon);
    return kept < 0 ? shard.records.length : kept;
  }

  private issue(shardId: string, position: number): string {
    const iterator = `iterator-${++this.issued}`;
    this.iterators.set(iterator, { shardId, position, issuedAt: this.now() });
    return iterator;
  }

  private shard(shardId: string): FakeShard {
    const shard = this.shards.get(shardId);
    if (shard === undefined) throw new Error(`no shard ${shardId}`);
    return shard;
  }

  private check(operation: ShardOperation, streamName: string): void {
    const failure = this.failures.take(operation);
    if (failure) throw failure.error();
    if (streamName !== this.streamName) throw kinesisError(operation, 'ResourceNotFoundException', false);
  }
}

/** A Kinesis failure as the adapter reports it: a DependencyError with the AWS code. */
export function kinesisError(operation: string, code: string, retryable: boolean, throttled = false): DependencyError {
  return new DependencyError('kinesis', operation, awsError(code), retryable, { throttled, awsCode: code });
}
