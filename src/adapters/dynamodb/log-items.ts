import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import {
  isIngestMode,
  isSealProof,
  isTerminalStatus,
  namedEvents,
  type ExecutionRecord,
  type LogChunk,
} from '../../domain';
import type { StoredChunk } from '../../ports';
import { decodeEvents, encodeEvents } from './chunk-codec';
import { cursorAttribute, cursorOf } from './cursor-codec';

/** A DynamoDB item of the log table. */
export type Item = Record<string, AttributeValue>;

/** The execution record (and its seal) lives at seq 0; chunks start at seq 1. */
export const RECORD_SEQ = '0';

/**
 * Marks the fence item the seal puts at `last_index + 1`. Every append is a conditional put on its
 * first index and every writer appends right after a chunk it has seen, so no chunk can start
 * past the fence: after the seal, nothing can be appended, at no cost to the appends themselves.
 */
export const FENCE_ATTRIBUTE = 'seal_fence';

/**
 * The item of a chunk, with its provisional expiry when the store gives unsealed logs one (see
 * `PROVISIONAL_EXPIRY_ATTRIBUTE`): the seal gives it its own only when that one would come first.
 */
export function chunkItem(executionId: string, chunk: LogChunk, expiresAt?: number): Item {
  const last = chunk.events[chunk.events.length - 1];
  return {
    execution_id: { S: executionId },
    seq: { N: String(chunk.seq) },
    last: { N: String(chunk.last) },
    data: { B: encodeEvents(chunk.events) },
    ...cursorAttribute(chunk.cursor),
    last_ts: { N: String(last?.timestamp ?? 0) },
    ...(expiresAt === undefined ? {} : { expires_at: { N: String(expiresAt) } }),
  };
}

/**
 * The record's copy of the provisional expiry it got when registered (epoch seconds). Every chunk is written
 * after its record, so none expires before that: a seal whose own expiry is not later leaves the chunks as they are.
 * The seal replaces the record's `expires_at`, never this.
 */
export const PROVISIONAL_EXPIRY_ATTRIBUTE = 'provisional_expires_at';

/** The fence item of a log sealed at `lastIndex`. */
export function fenceItem(executionId: string, lastIndex: number, expiresAt: number): Item {
  return {
    execution_id: { S: executionId },
    seq: { N: String(lastIndex + 1) },
    [FENCE_ATTRIBUTE]: { BOOL: true },
    expires_at: { N: String(expiresAt) },
  };
}

/** True for the seal's fence item (not a chunk). */
export function isFence(item: Item | undefined): boolean {
  return item?.[FENCE_ATTRIBUTE]?.BOOL === true;
}

/** Epoch seconds of an item's expiry; +Infinity for an item without one (a running log's). */
export function expiresAtOf(item: Item): number {
  const raw = item.expires_at?.N;
  return raw === undefined ? Number.POSITIVE_INFINITY : Number(raw);
}

/** The chunk an item holds; throws on a malformed item. */
export function toChunk(item: Item): StoredChunk {
  const seq = Number(item.seq?.N);
  const last = Number(item.last?.N);
  const data = item.data?.B;
  if (!Number.isInteger(seq) || !Number.isInteger(last) || !data) throw new TypeError('malformed chunk item');
  const cursor = cursorOf(item);
  const events = namedEvents(item.execution_id?.S ?? '', decodeEvents(data), cursor);
  if (events.length !== last - seq + 1) throw new TypeError(`chunk ${seq} holds ${events.length} events`);
  return {
    seq,
    last,
    events,
    cursor,
    lastTimestamp: Number(item.last_ts?.N ?? 0),
  };
}

/** The execution record (with its seal, once written) an item holds. */
export function toRecord(item: Item): ExecutionRecord {
  const status = item.status?.S;
  const sealedAt = item.sealed_at?.N;
  const streams = JSON.parse(item.log_streams?.S ?? '[]') as unknown;
  return {
    executionId: item.execution_id?.S ?? '',
    location: {
      logGroup: item.log_group?.S ?? '',
      logStreams: Array.isArray(streams) ? streams.filter((s): s is string => typeof s === 'string') : [],
    },
    startedAt: Number(item.started_at?.N ?? 0),
    ...(isIngestMode(item.ingest?.S) ? { ingest: item.ingest.S } : {}),
    seal:
      sealedAt !== undefined && isTerminalStatus(status)
        ? {
            status,
            completedAt: Number(item.completed_at?.N ?? 0),
            lastIndex: Number(item.last_index?.N ?? 0),
            sealedAt: Number(sealedAt),
            ...(item.exit_code?.N === undefined ? {} : { exitCode: Number(item.exit_code.N) }),
            ...(item.rejected_events?.N === undefined ? {} : { rejectedEvents: Number(item.rejected_events.N) }),
            ...(item.recovered_events?.N === undefined ? {} : { recoveredEvents: Number(item.recovered_events.N) }),
            ...(item.duplicate_events?.N === undefined ? {} : { duplicateEvents: Number(item.duplicate_events.N) }),
            ...(item.event_count?.N === undefined ? {} : { eventCount: Number(item.event_count.N) }),
            ...(isSealProof(item.proof?.S) ? { proof: item.proof.S } : {}),
          }
        : undefined,
  };
}

// Push ingest keeps its items in the log table under partition keys that start with `#`: execution ids
// start with a letter or digit, so these never meet an execution's items.

// DynamoDB allows 2048 bytes in a partition key; a log group and a stream name are up to 512 characters
// each (a stream name in UTF-8 up to 2 KB): longer keys are hashed.
const MAX_READABLE_KEY_BYTES = 1024;

/** The key of a log stream's route item: readable when short (and unambiguous), else a hash. */
export function routeKey(logGroup: string, logStream: string): Item {
  const readable = `#route:${logGroup}:${logStream}`;
  // Log group names never hold `:`, so the first `:` after the prefix splits the two names.
  const id =
    !logGroup.includes(':') && Buffer.byteLength(readable) <= MAX_READABLE_KEY_BYTES
      ? readable
      : `#route-sha256:${createHash('sha256')
          .update(JSON.stringify([logGroup, logStream]))
          .digest('hex')}`;
  return { execution_id: { S: id }, seq: { N: RECORD_SEQ } };
}

// Shard ids as Kinesis names them (`shardId-` and 12 digits, so one number per id) sort by their number;
// any other id gets a number of its hash above every such one (DynamoDB numbers hold 38 digits).
const NUMBERED_SHARD = /^shardId-(\d{12})$/;
const HASHED_SHARD_BASE = 10n ** 35n;

/** The key of one shard's progress item: all shards of a Kinesis stream share a partition (one Query lists them). */
export function shardProgressKey(streamName: string, shardId: string): Item {
  return { execution_id: { S: shardProgressPartition(streamName) }, seq: { N: shardSeq(shardId) } };
}

/** The key of the tips item of one Kinesis shard: all of a stream's shards' tips in one partition, like progress. */
export function shardTipsKey(streamName: string, shardId: string): Item {
  return { execution_id: { S: shardTipsPartition(streamName) }, seq: { N: shardSeq(shardId) } };
}

/** The partition key holding the tips items of a Kinesis stream's shards. */
export function shardTipsPartition(streamName: string): string {
  return `#tips:${streamName}`;
}

function shardSeq(shardId: string): string {
  const numbered = NUMBERED_SHARD.exec(shardId)?.[1];
  return (numbered !== undefined ? BigInt(numbered) : HASHED_SHARD_BASE + hashNumber(shardId)).toString();
}

/** A number below 16^28 (about 5 × 10^33) from a hash of `text`. */
function hashNumber(text: string): bigint {
  return BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 28)}`);
}

/** The key of the watch item of one execution: every watch of a Kinesis stream in one partition (one Query lists them). */
export function watchKey(streamName: string, executionId: string): Item {
  return { execution_id: { S: watchPartition(streamName) }, seq: { N: hashNumber(executionId).toString() } };
}

/** The partition key holding the watch items of the executions pushed through a Kinesis stream. */
export function watchPartition(streamName: string): string {
  return `#watch:${streamName}`;
}

/** The partition key holding the progress items of a Kinesis stream's shards. */
export function shardProgressPartition(streamName: string): string {
  return `#shards:${streamName}`;
}
