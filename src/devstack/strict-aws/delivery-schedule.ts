import type { DeliveryConfig } from './delivery-config';
import { SeededRandom } from './seeded-random';
import {
  encodeRecord,
  MAX_RECORD_BYTES,
  messageBytes,
  splitMessage,
  type DeliveredMessage,
} from './subscription-record';

/** A record the emulator delivered to a staging stream, on its way to `destinationArn`. */
export interface StagedRecord {
  destinationArn: string;
  /** When the emulator took it (ms since the epoch): the ingestion time of its events. */
  arrivalMs: number;
  message: DeliveredMessage;
  /** The key it goes out under (log stream or random, by the filter's distribution). */
  partitionKey: string;
}

/** One record to put on a destination stream, at `dueMs` or later. */
export interface ScheduledDelivery {
  readonly destinationArn: string;
  readonly partitionKey: string;
  readonly logGroup: string;
  /** One log stream's records to one destination: what keeps its order and may be merged. */
  readonly orderKey: string;
  readonly arrivalMs: number;
  readonly repeat: boolean;
  message: DeliveredMessage;
  dueMs: number;
  order: number;
  /** Waited for a shard's write limit at least once. */
  delayed: boolean;
  /** The encoded record, made once its message is final. */
  data?: Buffer;
}

/** A time window whose records are skipped (never delivered), for one log group or all. */
export interface DisabledWindow {
  id: string;
  from: number;
  until: number;
  logGroup?: string;
}

/** What the model did since its last reset. */
export interface DeliveryCounters {
  /** Records read from the staging streams. */
  received: number;
  /** Records put on destination streams (repeats and re-batched parts included). */
  delivered: number;
  /** Records delivered again (each part of a split repeat counts). */
  repeated: number;
  /** Records split in two. */
  rebatched: number;
  /** Records merged into the one before them. */
  merged: number;
  /** Records dropped while their log group's delivery was disabled; and their events. */
  skipped: number;
  skippedEvents: number;
  /** Records that waited for a shard's write limit. */
  delayedByLimits: number;
  /** Client writes refused for a shard's write limit. */
  throttledWrites: number;
  /** Delivery errors (the retryable ones are tried again). */
  errors: number;
  /** Longest time from arrival to delivery seen. */
  maxLagMs: number;
}

const ZERO: DeliveryCounters = {
  received: 0,
  delivered: 0,
  repeated: 0,
  rebatched: 0,
  merged: 0,
  skipped: 0,
  skippedEvents: 0,
  delayedByLimits: 0,
  throttledWrites: 0,
  errors: 0,
  maxLagMs: 0,
};

// Room left in a merged record for the JSON around the events.
const MERGE_LIMIT = MAX_RECORD_BYTES - 16 * 1024;

/** The delivery model's decisions: when each record goes out, repeated, re-batched or skipped; and its counters. */
export class DeliverySchedule {
  counters: DeliveryCounters = { ...ZERO };
  private random: SeededRandom;
  private queue: ScheduledDelivery[] = [];
  private readonly lastDue = new Map<string, number>();
  private readonly tails = new Map<string, ScheduledDelivery>();
  private windows: DisabledWindow[] = [];
  private nextOrder = 0;
  private nextWindow = 1;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** Starts the random choices again from `seed`. */
  reseed(seed: number): void {
    this.random = new SeededRandom(seed);
  }

  /** Counters and disabled windows back to none (records on their way still go). */
  reset(seed: number): void {
    this.counters = { ...ZERO };
    this.windows = [];
    this.reseed(seed);
  }

  /** Disables delivery of `logGroup` (every group when absent) for records arriving in [from, until). */
  disable(from: number, until: number, logGroup?: string): DisabledWindow {
    const window = { id: `window-${this.nextWindow++}`, from, until, ...(logGroup === undefined ? {} : { logGroup }) };
    this.windows.push(window);
    return window;
  }

  /** Ends at `now` the windows of `logGroup` (all of them when absent). */
  enable(now: number, logGroup?: string): void {
    for (const window of this.windows) {
      if (logGroup === undefined || window.logGroup === logGroup) window.until = Math.min(window.until, now);
    }
  }

  /** The windows that have not ended by `now`. */
  openWindows(now: number): DisabledWindow[] {
    return this.windows.filter((window) => window.until > now);
  }

  /** Takes a staged record: skips it, or schedules its delivery (and perhaps a repeat) under `config`. */
  admit(record: StagedRecord, config: DeliveryConfig): void {
    this.counters.received++;
    const { message, arrivalMs } = record;
    const group = message.logGroup;
    if (this.windows.some((w) => w.from <= arrivalMs && arrivalMs < w.until && (w.logGroup ?? group) === group)) {
      this.counters.skipped++;
      this.counters.skippedEvents += message.logEvents.length;
      return;
    }
    const modelled = config.mode === 'modelled';
    const orderKey = `${record.destinationArn}\n${group}\n${message.logStream}`;
    const lag = modelled ? this.random.logNormal(config.lag.medianMs, config.lag.p99Ms) : 0;
    let due = arrivalMs + lag;
    if (!config.reorder || !modelled) due = Math.max(due, this.lastDue.get(orderKey) ?? 0);
    this.lastDue.set(orderKey, due);
    if (this.lastDue.size > 10_000) this.forgetPast(arrivalMs);
    const data = message.messageType === 'DATA_MESSAGE';
    const base = { destinationArn: record.destinationArn, partitionKey: record.partitionKey, logGroup: group };
    const make = (part: DeliveredMessage, at: number, repeat: boolean): ScheduledDelivery => ({
      ...base,
      orderKey,
      arrivalMs,
      repeat,
      message: part,
      dueMs: at,
      order: this.nextOrder++,
      delayed: false,
    });
    const tail = this.tails.get(orderKey);
    if (modelled && data && tail !== undefined && this.random.chance(config.mergeFraction)) {
      if (messageBytes(tail.message) + messageBytes(message) <= MERGE_LIMIT) {
        this.remove(tail);
        tail.message = { ...tail.message, logEvents: [...tail.message.logEvents, ...message.logEvents] };
        tail.data = undefined;
        tail.dueMs = Math.max(tail.dueMs, due);
        this.insert(tail);
        this.counters.merged++;
        return;
      }
    }
    const parts = modelled && data ? this.maybeSplit(message, config.splitFraction) : [message];
    if (parts.length > 1) this.counters.rebatched++;
    const scheduled = parts.map((part) => make(part, due, false));
    for (const delivery of scheduled) this.insert(delivery);
    if (data) this.tails.set(orderKey, scheduled[scheduled.length - 1] as ScheduledDelivery);
    if (modelled && data && this.random.chance(config.repeatFraction)) {
      const again = due + 1 + this.random.logNormal(config.lag.medianMs, config.lag.p99Ms);
      for (const part of this.maybeSplit(message, 0.5)) this.insert(make(part, again, true));
    }
  }

  /** The deliveries due at `now`, in the order they go out. */
  due(now: number): ScheduledDelivery[] {
    const out: ScheduledDelivery[] = [];
    for (const delivery of this.queue) {
      if (delivery.dueMs > now) break;
      out.push(delivery);
    }
    return out;
  }

  /** When the next delivery is due, or undefined when none waits. */
  nextDueMs(): number | undefined {
    return this.queue[0]?.dueMs;
  }

  /** Records waiting to go out. */
  pending(): number {
    return this.queue.length;
  }

  /** `delivery` went out at `now`. */
  delivered(delivery: ScheduledDelivery, now: number): void {
    this.remove(delivery);
    this.counters.delivered++;
    if (delivery.repeat) this.counters.repeated++;
    this.counters.maxLagMs = Math.max(this.counters.maxLagMs, Math.round(now - delivery.arrivalMs));
  }

  /** `delivery` will never go out (a non-retryable error): counted as skipped. */
  dropped(delivery: ScheduledDelivery): void {
    this.remove(delivery);
    this.counters.skipped++;
    this.counters.skippedEvents += delivery.message.logEvents.length;
  }

  /** The encoded record of `delivery`. */
  static dataOf(delivery: ScheduledDelivery): Buffer {
    delivery.data ??= encodeRecord(delivery.message);
    return delivery.data;
  }

  private maybeSplit(message: DeliveredMessage, fraction: number): DeliveredMessage[] {
    const events = message.logEvents.length;
    if (events < 2 || !this.random.chance(fraction)) return [message];
    return splitMessage(message, this.random.between(1, events - 1));
  }

  private insert(delivery: ScheduledDelivery): void {
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.queue[middle] as ScheduledDelivery;
      if (other.dueMs < delivery.dueMs || (other.dueMs === delivery.dueMs && other.order < delivery.order)) {
        low = middle + 1;
      } else high = middle;
    }
    this.queue.splice(low, 0, delivery);
  }

  private remove(delivery: ScheduledDelivery): void {
    const index = this.queue.indexOf(delivery);
    if (index >= 0) this.queue.splice(index, 1);
    if (this.tails.get(delivery.orderKey) === delivery) this.tails.delete(delivery.orderKey);
  }

  private forgetPast(now: number): void {
    for (const [key, due] of this.lastDue) if (due < now) this.lastDue.delete(key);
  }
}
