import { LogstreamError } from '../../domain';
import { DEFAULT_DELIVERY, mergeDeliveryConfig, type DeliveryConfig } from './delivery-config';
import { DeliveryPump } from './delivery-pump';
import { DeliverySchedule, type DeliveryCounters, type DisabledWindow } from './delivery-schedule';
import { addressOfArn, EmulatorCallError, type KinesisCall } from './emulator-client';
import { parseJson, rewritten, type HttpAnswer, type JsonObject } from './http-answer';
import { ShardWriteMeter } from './shard-write-meter';
import { destinationArnOf, isKinesisStreamArn, stagingArnOf, streamNameOf } from './staging-stream';
import { StreamShards } from './stream-shards';

/** Sends the call being answered to the emulator: `input` in place of its body, or the body as it came. */
type Forward = (input: JsonObject | undefined) => Promise<HttpAnswer>;

/** What `GET /__strict/delivery` answers. */
export interface DeliveryState {
  config: DeliveryConfig;
  /** Disabled windows not yet over. */
  disabled: DisabledWindow[];
  counters: DeliveryCounters & { pending: number };
}

/** A disable / enable request that cannot be applied. */
export class InvalidDeliveryWindowError extends LogstreamError {
  constructor(message: string) {
    super('INVALID_STRICT_DELIVERY', message);
  }
}

// Kinesis stream names have at most 128 characters; a longer staging name leaves the filter to the emulator.
const MAX_STREAM_NAME = 128;

/**
 * The subscription delivery model behind the control API: its settings, the schedule and pump that deliver through
 * staging streams, and the destination shards' write limits, which clients' PutRecord/PutRecords meet too.
 */
export class DeliveryModel {
  config: DeliveryConfig = DEFAULT_DELIVERY;
  readonly meter = new ShardWriteMeter();
  private readonly schedule = new DeliverySchedule(DEFAULT_DELIVERY.seed);
  private readonly shards: StreamShards | undefined;
  private readonly pump: DeliveryPump | undefined;

  /** Without `kinesis` (no emulator to call) filters are left to the emulator's own delivery, whatever the mode. */
  constructor(
    private readonly kinesis: KinesisCall | undefined,
    private readonly now: () => number,
    autoRun = true,
  ) {
    if (kinesis === undefined) return;
    this.shards = new StreamShards(kinesis, now);
    this.pump = new DeliveryPump({
      kinesis,
      schedule: this.schedule,
      meter: this.meter,
      shards: this.shards,
      config: () => this.config,
      now,
      autoRun,
    });
  }

  /** Merges a partial settings object; a new `seed` restarts the random choices. Throws InvalidDeliveryConfigError. */
  configure(patch: unknown): DeliveryConfig {
    this.config = mergeDeliveryConfig(this.config, patch);
    if (typeof patch === 'object' && patch !== null && 'seed' in patch) this.schedule.reseed(this.config.seed);
    return this.config;
  }

  /** Default settings, no disabled windows, counters at zero (records on their way still go). */
  reset(): DeliveryState {
    this.config = DEFAULT_DELIVERY;
    this.schedule.reset(this.config.seed);
    this.meter.reset();
    return this.state();
  }

  state(): DeliveryState {
    return {
      config: this.config,
      disabled: this.schedule.openWindows(this.now()),
      counters: { ...this.schedule.counters, pending: this.schedule.pending() },
    };
  }

  /** `POST /__strict/delivery/disable {seconds, logGroup?}`: records arriving in the window are never delivered. */
  disable(body: unknown): DisabledWindow {
    const { seconds, logGroup } = windowRequest(body, true);
    const now = this.now();
    return this.schedule.disable(now, now + (seconds ?? 0) * 1000, logGroup);
  }

  /** `POST /__strict/delivery/enable {logGroup?}`: ends the disabled windows now. */
  enable(body: unknown): DeliveryState {
    this.schedule.enable(this.now(), windowRequest(body, false).logGroup);
    return this.state();
  }

  /** Runs one round of the pump (tests without timers). */
  async runOnce(): Promise<void> {
    await this.pump?.runOnce();
  }

  /** A PutLogEvents call went through: the emulator delivered to the staging streams. */
  kick(): void {
    this.pump?.kick();
  }

  stop(): void {
    this.pump?.stop();
  }

  /** PutSubscriptionFilter: a Kinesis destination becomes its staging stream while the mode is `modelled`. */
  async putSubscriptionFilter(input: JsonObject, forward: Forward): Promise<HttpAnswer> {
    const destinationArn = input.destinationArn;
    const address = isKinesisStreamArn(destinationArn) ? addressOfArn(destinationArn) : undefined;
    const group = String(input.logGroupName ?? '');
    this.pump?.setDistribution(group, String(input.filterName ?? ''), String(input.distribution ?? 'ByLogStream'));
    const stagingArn = isKinesisStreamArn(destinationArn) ? stagingArnOf(destinationArn) : '';
    if (
      this.config.mode !== 'modelled' ||
      this.kinesis === undefined ||
      address === undefined ||
      streamNameOf(stagingArn).length > MAX_STREAM_NAME
    ) {
      return forward(undefined);
    }
    try {
      // The destination must exist (the emulator's own check would then be made on the staging stream).
      await this.kinesis('DescribeStreamSummary', { StreamARN: destinationArn }, address);
    } catch {
      return forward(undefined);
    }
    let fresh = true;
    try {
      await this.kinesis('CreateStream', { StreamName: streamNameOf(stagingArn), ShardCount: 1 }, address);
    } catch (error) {
      if (!(error instanceof EmulatorCallError && error.code === 'ResourceInUseException')) throw error;
      fresh = false;
    }
    const answer = await forward({ ...input, destinationArn: stagingArn });
    if (answer.status === 200) this.pump?.watch(stagingArn, destinationArn as string, fresh);
    return answer;
  }

  /** DescribeSubscriptionFilters: filters show the destination they were given, not their staging stream. */
  describeSubscriptionFilters(answer: HttpAnswer): HttpAnswer {
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    const filters = output?.subscriptionFilters;
    if (output === undefined || !Array.isArray(filters)) return answer;
    const shown = filters.map((filter: JsonObject) =>
      typeof filter.destinationArn === 'string'
        ? { ...filter, destinationArn: destinationArnOf(filter.destinationArn) }
        : filter,
    );
    return rewritten(answer, { ...output, subscriptionFilters: shown });
  }

  /** The counters the client-write limits report into. */
  countThrottledWrite(): void {
    this.schedule.counters.throttledWrites++;
  }

  /** The open shards of a stream, for client writes (none known without an emulator). */
  streamShards(): StreamShards | undefined {
    return this.shards;
  }
}

function windowRequest(body: unknown, needsSeconds: boolean): { seconds?: number; logGroup?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidDeliveryWindowError('not an object');
  }
  const { seconds, logGroup, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new InvalidDeliveryWindowError(`unknown field ${unknown.join(', ')}`);
  if (needsSeconds || seconds !== undefined) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
      throw new InvalidDeliveryWindowError('seconds must be a number from 0 (exclusive) to 86400');
    }
  }
  if (logGroup !== undefined && (typeof logGroup !== 'string' || logGroup === '')) {
    throw new InvalidDeliveryWindowError('logGroup must be a log group name');
  }
  return {
    ...(typeof seconds === 'number' ? { seconds } : {}),
    ...(typeof logGroup === 'string' ? { logGroup } : {}),
  };
}
