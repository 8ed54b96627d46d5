import { LogstreamError } from '../../domain';

/** PutLogEvents limits (bytes count a message's UTF-8 bytes plus 26 per event, as AWS does). */
export interface PutLogEventsRules {
  maxBatchBytes: number;
  maxBatchEvents: number;
  maxEventBytes: number;
  /** Events older than this (ms before now) are not stored and reported as too old. */
  maxPastMs: number;
  /** Events further ahead than this (ms after now) are not stored and reported as too new. */
  maxFutureMs: number;
  /** Most time between the first and the last event of one batch. */
  maxSpanMs: number;
}

/** Everything the strict layer enforces beyond the service models; each can be tightened by tests. */
export interface StrictRules {
  /** Account-wide calls per second, per operation (sliding one-second window); 0 = unlimited. */
  readQuotas: { GetLogEvents: number; FilterLogEvents: number; DescribeLogStreams: number };
  /** How long a GetLogEvents / FilterLogEvents token is accepted after it was issued. */
  tokenTtlMs: number;
  /** Every Nth GetLogEvents page that has events comes back empty, with a new token at the same place; 0 = off. */
  emptyPageEvery: number;
  /** DynamoDB's item size limit (attribute names plus values). */
  maxItemBytes: number;
  putLogEvents: PutLogEventsRules;
  /** Events are visible to GetLogEvents / FilterLogEvents only this long after they were put. */
  ingestionDelayMs: number;
  /** FilterLogEvents' own search lag: it shows events only this long after they were put (beside ingestionDelayMs). */
  filterSearchLagMs: number;
  /** Every Nth FilterLogEvents page that has events comes back empty, with a token at the same place; 0 = off. */
  filterEmptyPageEvery: number;
  /** One GetLogEvents / FilterLogEvents page holds at most this many bytes (UTF-8 + 26 per event) and events. */
  readPage: { maxBytes: number; maxEvents: number };
  /** Kinesis: GetRecords calls per second per shard; how long a shard iterator stays valid. */
  kinesis: { getRecordsPerShard: number; shardIteratorTtlMs: number };
}

const HOUR_MS = 3_600_000;

/** AWS's documented values. */
export const DEFAULT_RULES: StrictRules = {
  readQuotas: { GetLogEvents: 25, FilterLogEvents: 5, DescribeLogStreams: 25 },
  tokenTtlMs: 24 * HOUR_MS,
  emptyPageEvery: 5,
  maxItemBytes: 400 * 1024,
  putLogEvents: {
    maxBatchBytes: 1_048_576,
    maxBatchEvents: 10_000,
    maxEventBytes: 256 * 1024,
    maxPastMs: 14 * 24 * HOUR_MS,
    maxFutureMs: 2 * HOUR_MS,
    maxSpanMs: 24 * HOUR_MS,
  },
  ingestionDelayMs: 0,
  filterSearchLagMs: 0,
  filterEmptyPageEvery: 0,
  readPage: { maxBytes: 1_048_576, maxEvents: 10_000 },
  kinesis: { getRecordsPerShard: 5, shardIteratorTtlMs: 300_000 },
};

/** A control request asked for a rule that does not exist or a value out of range. */
export class InvalidRulesError extends LogstreamError {
  constructor(message: string) {
    super('INVALID_STRICT_RULES', message);
  }
}

type Shape = { [key: string]: Shape | 'count' };

const SHAPE: Shape = {
  readQuotas: { GetLogEvents: 'count', FilterLogEvents: 'count', DescribeLogStreams: 'count' },
  tokenTtlMs: 'count',
  emptyPageEvery: 'count',
  maxItemBytes: 'count',
  putLogEvents: {
    maxBatchBytes: 'count',
    maxBatchEvents: 'count',
    maxEventBytes: 'count',
    maxPastMs: 'count',
    maxFutureMs: 'count',
    maxSpanMs: 'count',
  },
  ingestionDelayMs: 'count',
  filterSearchLagMs: 'count',
  filterEmptyPageEvery: 'count',
  readPage: { maxBytes: 'count', maxEvents: 'count' },
  kinesis: { getRecordsPerShard: 'count', shardIteratorTtlMs: 'count' },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeShape(
  shape: Shape,
  current: Record<string, unknown>,
  patch: unknown,
  at: string,
): Record<string, unknown> {
  if (!isObject(patch)) throw new InvalidRulesError(`${at || 'rules'} must be an object`);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const where = at ? `${at}.${key}` : key;
    if (field === undefined) throw new InvalidRulesError(`unknown rule ${where}`);
    if (field === 'count') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new InvalidRulesError(`${where} must be a whole number >= 0`);
      }
      merged[key] = value;
    } else {
      merged[key] = mergeShape(field, current[key] as Record<string, unknown>, value, where);
    }
  }
  return merged;
}

/** `current` with the fields of `patch` replaced (a partial, nested merge); throws InvalidRulesError on bad input. */
export function mergeRules(current: StrictRules, patch: unknown): StrictRules {
  return mergeShape(SHAPE, current as unknown as Record<string, unknown>, patch, '') as unknown as StrictRules;
}
