import { LogstreamError } from '../../domain';

/**
 * How subscription filters deliver to Kinesis. `direct` is the emulator's own delivery (synchronous, once, in
 * order); `modelled` is AWS's documented one: asynchronous, at least once, re-batched, skipped while disabled, and
 * held to the destination shards' write limits.
 */
export interface DeliveryConfig {
  mode: 'direct' | 'modelled';
  /** Seeds every random choice of the model: the same seed and the same input give the same deliveries. */
  seed: number;
  /** Delay from ingestion to delivery: log-normal with this median and 99th percentile. */
  lag: { medianMs: number; p99Ms: number };
  /** Let one log stream's records overtake each other (off: each keeps its order). */
  reorder: boolean;
  /** Fraction of records delivered again later, under a new sequence number (half of them re-batched in two). */
  repeatFraction: number;
  /** Fraction of records of two or more events split into two records. */
  splitFraction: number;
  /** Fraction of records merged into the previous undelivered record of the same log stream (up to 1 MB). */
  mergeFraction: number;
  /** Per-shard write limits of the destination streams, for the delivery and for clients' writes; 0 = none. */
  shardLimits: { bytesPerSecond: number; recordsPerSecond: number };
  /** How long a non-retryable delivery error disables the log group's delivery (its events are skipped). */
  errorDisableMs: number;
}

/** The emulator's delivery, with AWS's Kinesis write limits for clients; the model's values ready for `modelled`. */
export const DEFAULT_DELIVERY: DeliveryConfig = {
  mode: 'direct',
  seed: 1,
  lag: { medianMs: 200, p99Ms: 1_000 },
  reorder: false,
  repeatFraction: 0,
  splitFraction: 0,
  mergeFraction: 0,
  shardLimits: { bytesPerSecond: 1_048_576, recordsPerSecond: 1_000 },
  errorDisableMs: 600_000,
};

/** A control request asked for a delivery setting that does not exist or a value out of range. */
export class InvalidDeliveryConfigError extends LogstreamError {
  constructor(message: string) {
    super('INVALID_STRICT_DELIVERY', message);
  }
}

const DAY_MS = 86_400_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKnown(object: Record<string, unknown>, known: readonly string[], at: string): void {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new InvalidDeliveryConfigError(`unknown field ${at}${unknown.join(', ')}`);
}

function numberIn(value: unknown, where: string, min: number, max: number, whole: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidDeliveryConfigError(`${where} must be a number from ${min} to ${max}`);
  }
  if (whole && !Number.isInteger(value)) throw new InvalidDeliveryConfigError(`${where} must be a whole number`);
  return value;
}

function merged<T extends Record<string, number>>(current: T, patch: unknown, at: string, max: number): T {
  if (!isObject(patch)) throw new InvalidDeliveryConfigError(`${at} must be an object`);
  onlyKnown(patch, Object.keys(current), `${at}.`);
  const out: Record<string, number> = { ...current };
  for (const [key, value] of Object.entries(patch)) out[key] = numberIn(value, `${at}.${key}`, 0, max, true);
  return out as T;
}

const FIELDS = Object.keys(DEFAULT_DELIVERY);

/** `current` with the fields of `patch` replaced (nested objects may be partial); throws InvalidDeliveryConfigError. */
export function mergeDeliveryConfig(current: DeliveryConfig, patch: unknown): DeliveryConfig {
  if (!isObject(patch)) throw new InvalidDeliveryConfigError('delivery settings must be an object');
  onlyKnown(patch, FIELDS, '');
  const next: DeliveryConfig = { ...current };
  if (patch.mode !== undefined) {
    if (patch.mode !== 'direct' && patch.mode !== 'modelled') {
      throw new InvalidDeliveryConfigError('mode must be "direct" or "modelled"');
    }
    next.mode = patch.mode;
  }
  if (patch.seed !== undefined) next.seed = numberIn(patch.seed, 'seed', 0, 2 ** 32 - 1, true);
  if (patch.lag !== undefined) next.lag = merged(current.lag, patch.lag, 'lag', DAY_MS);
  if (next.lag.p99Ms < next.lag.medianMs) throw new InvalidDeliveryConfigError('lag.p99Ms must be >= lag.medianMs');
  if (patch.reorder !== undefined) {
    if (typeof patch.reorder !== 'boolean') throw new InvalidDeliveryConfigError('reorder must be true or false');
    next.reorder = patch.reorder;
  }
  for (const key of ['repeatFraction', 'splitFraction', 'mergeFraction'] as const) {
    if (patch[key] !== undefined) next[key] = numberIn(patch[key], key, 0, 1, false);
  }
  if (patch.shardLimits !== undefined) {
    next.shardLimits = merged(current.shardLimits, patch.shardLimits, 'shardLimits', Number.MAX_SAFE_INTEGER);
  }
  if (patch.errorDisableMs !== undefined) {
    next.errorDisableMs = numberIn(patch.errorDisableMs, 'errorDisableMs', 0, DAY_MS, true);
  }
  return next;
}
