import { randomBytes } from 'node:crypto';
import type { DeliveryConfig } from './delivery-config';
import { DeliverySchedule, type ScheduledDelivery } from './delivery-schedule';
import { addressOfArn, EmulatorCallError, type KinesisCall, type StreamAddress } from './emulator-client';
import type { JsonObject } from './http-answer';
import { hashKeyOf, shardOfKey, type ShardWriteMeter } from './shard-write-meter';
import { StreamShards } from './stream-shards';
import { decodeRecord, logStreamPartitionKey } from './subscription-record';

/** What the pump works with; the emulator's Kinesis is called directly, outside the layer's quotas and faults. */
export interface DeliveryPumpOptions {
  kinesis: KinesisCall;
  schedule: DeliverySchedule;
  meter: ShardWriteMeter;
  shards: StreamShards;
  config: () => DeliveryConfig;
  now: () => number;
  /** Run by itself on timers (default); off in tests, which call `runOnce`. */
  autoRun?: boolean;
}

interface StagingReader {
  stagingArn: string;
  destinationArn: string;
  address: StreamAddress;
  from: 'TRIM_HORIZON' | 'LATEST';
  iterators?: Map<string, string>;
}

// With nothing due, the staging streams are still read this often (PutLogEvents calls through the layer wake the
// pump at once; this catches anything else).
const IDLE_MS = 500;
// A shard at its write limit is looked at again after this long.
const LIMITED_MS = 50;
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
// Kinesis errors that mean "later", not "never".
const RETRYABLE = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'LimitExceededException']);

function arrivalOf(record: JsonObject, fallback: number): number {
  const value = record.ApproximateArrivalTimestamp;
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  return fallback;
}

/**
 * Reads the staging streams the emulator delivers to and puts each record on its real destination when the model
 * says: lagged, repeated, re-batched, skipped, and within the destination shards' write limits.
 */
export class DeliveryPump {
  private readonly readers = new Map<string, StagingReader>();
  private readonly distributions = new Map<string, string>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: DeliveryPumpOptions) {}

  /** Starts reading `stagingArn` for `destinationArn`: from its start when it is new, else from its tip. */
  watch(stagingArn: string, destinationArn: string, fresh: boolean): void {
    const address = addressOfArn(stagingArn);
    if (address === undefined || this.readers.has(stagingArn)) return;
    this.readers.set(stagingArn, { stagingArn, destinationArn, address, from: fresh ? 'TRIM_HORIZON' : 'LATEST' });
    this.kick();
  }

  /** Records how a filter distributes its records ("ByLogStream" or "Random"). */
  setDistribution(logGroup: string, filterName: string, distribution: string): void {
    this.distributions.set(`${logGroup}\n${filterName}`, distribution);
  }

  /** Something may have reached a staging stream: read them now. */
  kick(): void {
    if (this.stopped || this.options.autoRun === false) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.runOnce()
      .catch((error: unknown) => {
        this.options.schedule.counters.errors++;
        process.stderr.write(`strict-aws delivery: ${error instanceof Error ? error.message : String(error)}\n`);
        return LIMITED_MS;
      })
      .then((wait) => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          wait = 0;
        }
        if (this.stopped || (this.readers.size === 0 && this.options.schedule.pending() === 0)) return;
        this.timer = setTimeout(() => this.kick(), wait);
        this.timer.unref();
      });
  }

  /** Stops the timers (what is pending stays pending). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One round: read every staging stream, deliver what is due; returns how long to wait before the next round. */
  async runOnce(): Promise<number> {
    for (const reader of [...this.readers.values()]) await this.read(reader);
    const limited = await this.deliverDue();
    const next = this.options.schedule.nextDueMs();
    const wait = next === undefined ? IDLE_MS : Math.min(IDLE_MS, Math.max(0, next - this.options.now()));
    return limited ? Math.max(wait, LIMITED_MS) : wait;
  }

  private async read(reader: StagingReader): Promise<void> {
    const { kinesis, schedule, config } = this.options;
    try {
      reader.iterators ??= await this.openIterators(reader);
      for (const [shardId, iterator] of reader.iterators) {
        let current: string | undefined = iterator;
        for (let round = 0; current !== undefined && round < 20; round++) {
          const input = { StreamARN: reader.stagingArn, ShardIterator: current, Limit: 10_000 };
          const output = await kinesis('GetRecords', input, reader.address);
          const records = Array.isArray(output.Records) ? (output.Records as JsonObject[]) : [];
          for (const record of records) {
            const message = decodeRecord(Buffer.from(String(record.Data ?? ''), 'base64'));
            if (message === undefined) continue;
            const arrivalMs = arrivalOf(record, this.options.now());
            const partitionKey = this.partitionKeyOf(message, String(record.PartitionKey ?? ''));
            schedule.admit({ destinationArn: reader.destinationArn, arrivalMs, message, partitionKey }, config());
          }
          const next: unknown = output.NextShardIterator;
          current = typeof next === 'string' ? next : undefined;
          if (current !== undefined) reader.iterators.set(shardId, current);
          if (records.length === 0) break;
        }
      }
    } catch (error) {
      if (error instanceof EmulatorCallError && error.code === 'ResourceNotFoundException') {
        this.readers.delete(reader.stagingArn);
        return;
      }
      throw error;
    }
  }

  private async openIterators(reader: StagingReader): Promise<Map<string, string>> {
    const input = { StreamARN: reader.stagingArn };
    const listed = await this.options.kinesis('ListShards', input, reader.address);
    const iterators = new Map<string, string>();
    for (const shard of (listed.Shards ?? []) as JsonObject[]) {
      const shardId = String(shard.ShardId);
      const opened = await this.options.kinesis(
        'GetShardIterator',
        { ...input, ShardId: shardId, ShardIteratorType: reader.from },
        reader.address,
      );
      if (typeof opened.ShardIterator === 'string') iterators.set(shardId, opened.ShardIterator);
    }
    return iterators;
  }

  private partitionKeyOf(
    message: { messageType: string; logGroup: string; logStream: string; subscriptionFilters: string[] },
    staged: string,
  ): string {
    if (message.messageType !== 'DATA_MESSAGE') return staged;
    const distribution = this.distributions.get(`${message.logGroup}\n${message.subscriptionFilters[0] ?? ''}`);
    return distribution === 'Random' ? randomBytes(16).toString('hex') : logStreamPartitionKey(message.logStream);
  }

  /** Puts what is due on its destinations; true when a shard's write limit held some back. */
  private async deliverDue(): Promise<boolean> {
    const { schedule, now } = this.options;
    const byDestination = new Map<string, ScheduledDelivery[]>();
    for (const delivery of schedule.due(now())) {
      const list = byDestination.get(delivery.destinationArn) ?? [];
      list.push(delivery);
      byDestination.set(delivery.destinationArn, list);
    }
    let limited = false;
    for (const [destinationArn, due] of byDestination) {
      limited = (await this.deliverTo(destinationArn, due)) || limited;
    }
    return limited;
  }

  private async deliverTo(destinationArn: string, due: readonly ScheduledDelivery[]): Promise<boolean> {
    const { schedule, meter, now } = this.options;
    const config = this.options.config();
    const address = addressOfArn(destinationArn) ?? { account: '', region: '' };
    const stream = { ...address, streamArn: destinationArn };
    const shards = await this.options.shards.open(stream);
    const limits = config.mode === 'modelled' ? config.shardLimits : { bytesPerSecond: 0, recordsPerSecond: 0 };
    const blocked = new Set<string>();
    const batch: ScheduledDelivery[] = [];
    let batchBytes = 0;
    for (const delivery of due) {
      const shard = shardOfKey(shards, hashKeyOf(delivery.partitionKey));
      const meterKey = StreamShards.meterKey(stream, shard?.shardId ?? '?');
      const bytes = DeliverySchedule.dataOf(delivery).length + Buffer.byteLength(delivery.partitionKey);
      if (batch.length >= MAX_BATCH || batchBytes + bytes > MAX_BATCH_BYTES) break;
      // Behind a record held back, the shard's later records wait too: one log stream's keep their order.
      if (blocked.has(meterKey) || !meter.admit(meterKey, bytes, limits, now())) {
        blocked.add(meterKey);
        if (!delivery.delayed) schedule.counters.delayedByLimits++;
        delivery.delayed = true;
        continue;
      }
      batch.push(delivery);
      batchBytes += bytes;
    }
    if (batch.length > 0) await this.put(destinationArn, address, batch, config);
    return blocked.size > 0;
  }

  private async put(
    destinationArn: string,
    address: StreamAddress,
    batch: readonly ScheduledDelivery[],
    config: DeliveryConfig,
  ): Promise<void> {
    const { schedule, kinesis, now } = this.options;
    const records = batch.map((d) => ({
      Data: DeliverySchedule.dataOf(d).toString('base64'),
      PartitionKey: d.partitionKey,
    }));
    try {
      const output = await kinesis('PutRecords', { StreamARN: destinationArn, Records: records }, address);
      const results = Array.isArray(output.Records) ? (output.Records as JsonObject[]) : [];
      for (const [index, delivery] of batch.entries()) {
        if (results[index]?.ErrorCode === undefined) schedule.delivered(delivery, now());
        else schedule.counters.errors++;
      }
    } catch (error) {
      schedule.counters.errors++;
      if (!(error instanceof EmulatorCallError) || error.status >= 500 || RETRYABLE.has(error.code)) return;
      // A non-retryable error (the stream is gone, the role may not write): AWS disables the filter for a while and
      // skips what arrives meanwhile; the records that failed are lost.
      const groups = new Set(batch.map((d) => d.logGroup));
      for (const delivery of batch) schedule.dropped(delivery);
      for (const group of groups) schedule.disable(now(), now() + config.errorDisableMs, group);
    }
  }
}
