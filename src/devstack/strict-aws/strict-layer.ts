import { clientFault, outageFault, throttlingFault, type AwsFault, type AwsService } from './aws-fault';
import { DeliveryModel } from './delivery-model';
import { deliveryAnswer } from './delivery-routes';
import type { KinesisCall } from './emulator-client';
import { FaultTable, type FaultSpec } from './faults';
import { faultAnswer, jsonAnswer, parseJson, rewritten, type HttpAnswer, type JsonObject } from './http-answer';
import { checkItemSizes } from './item-size';
import { logGroupReferenceProblem } from './log-group-reference';
import { LogReadShaper, type GivenToken } from './log-reads';
import { judgePutLogEvents, mergeRejected, type InputLogEvent, type RejectedLogEventsInfo } from './put-log-events';
import { SlidingWindowQuota } from './read-quota';
import { TokenCodec } from './read-tokens';
import { DEFAULT_RULES, mergeRules, type StrictRules } from './rules';
import { ShardIteratorShaper } from './shard-iterators';
import { StrictStats, type OperationStats } from './stats';

/** Sends a request body to the emulator: the rewritten JSON input, or the original bytes when undefined. */
export type Forward = (input: Record<string, unknown> | undefined) => Promise<HttpAnswer>;

/** Checks a request against a service's published model: the fault AWS would answer, or undefined. */
export type ModelValidator = (service: AwsService, operation: string, input: unknown) => AwsFault | undefined;

/** Collaborators of the strict layer, replaceable in tests. */
export interface StrictLayerOptions {
  validate?: ModelValidator;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Kinesis calls straight to the emulator: the delivery model and the write limits need them. */
  kinesis?: KinesisCall;
  /** The delivery model runs on its own timers (default); tests turn that off and run it by hand. */
  autoDeliver?: boolean;
}

type Json = JsonObject;

const READ_QUOTA_OPERATIONS = new Set(['GetLogEvents', 'FilterLogEvents', 'DescribeLogStreams']);
const ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'TransactWriteItems', 'BatchWriteItem']);

/**
 * AWS's contract in front of the emulator: model validation, the documented rules the model cannot express, read
 * quotas, expiring tokens, and faults injected on demand. Holds the rules, faults and counters of the control API.
 */
export class StrictAwsLayer {
  rules: StrictRules = DEFAULT_RULES;
  readonly faults = new FaultTable();
  readonly stats = new StrictStats();
  readonly delivery: DeliveryModel;
  private readonly quota = new SlidingWindowQuota();
  private readonly codec = new TokenCodec();
  private readonly reads = new LogReadShaper(this.codec);
  private readonly iterators = new ShardIteratorShaper(this.codec);
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: StrictLayerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.delivery = new DeliveryModel(options.kinesis, this.now, options.autoDeliver ?? true);
  }

  /** Merges a partial rules object; throws InvalidRulesError. */
  setRules(patch: unknown): StrictRules {
    this.rules = mergeRules(this.rules, patch);
    return this.rules;
  }

  resetRules(): StrictRules {
    this.rules = DEFAULT_RULES;
    this.quota.reset();
    this.reads.resetPageCount();
    return this.rules;
  }

  addFault(spec: FaultSpec): string {
    return this.faults.add(spec, this.now());
  }

  state(): { rules: StrictRules; faults: unknown[]; stats: unknown; delivery: unknown } {
    const faults = this.faults.active(this.now());
    return { rules: this.rules, faults, stats: this.stats.toJSON(), delivery: this.delivery.state() };
  }

  /** Answers one call of `service`/`operation` whose JSON body is `body`, forwarding to the emulator when allowed. */
  async call(service: AwsService, operation: string, body: Buffer, forward: Forward): Promise<HttpAnswer> {
    const stats = this.stats.of(service, operation);
    stats.calls++;
    const decision = this.faults.decide(service, operation, this.now(), this.random());
    if (decision.latencyMs > 0) await this.sleep(decision.latencyMs);
    if (decision.outage || decision.throttle) {
      stats.faulted++;
      if (decision.outage) return faultAnswer(service, outageFault());
      stats.throttled++;
      return faultAnswer(service, throttlingFault(service));
    }
    // The time the emulator took: where a loaded machine's latency goes (the layer's own work is the rest).
    const timed: Forward = async (input) => {
      const started = performance.now();
      try {
        return await forward(input);
      } finally {
        stats.upstreamMs += performance.now() - started;
      }
    };
    const answer = await this.answer(stats, service, operation, body, timed);
    if (decision.lostReply === undefined) return answer;
    // The call took effect (or failed) in the emulator; its caller never learns which.
    stats.faulted++;
    const lost = faultAnswer(service, {
      ...clientFault('InternalFailure', 'Internal failure (injected: reply lost)'),
      status: 500,
    });
    return decision.lostReply === 'reset' ? { ...lost, reset: true } : lost;
  }

  private async answer(
    stats: OperationStats,
    service: AwsService,
    operation: string,
    body: Buffer,
    forward: Forward,
  ): Promise<HttpAnswer> {
    if (service === 'logs' && READ_QUOTA_OPERATIONS.has(operation)) {
      const limit = this.rules.readQuotas[operation as keyof StrictRules['readQuotas']];
      if (!this.quota.admit(operation, limit, this.now())) {
        stats.throttled++;
        return faultAnswer(service, throttlingFault(service));
      }
    }
    const input = body.length === 0 ? {} : parseJson(body);
    if (input === undefined) {
      return this.reject(stats, service, {
        status: 400,
        type: 'SerializationException',
        message: 'Start of structure or map found where not expected.',
      });
    }
    const invalid = this.options.validate?.(service, operation, input);
    if (invalid) return this.reject(stats, service, invalid);
    const reference = service === 'logs' ? logGroupReferenceProblem(operation, input) : undefined;
    if (reference) return this.reject(stats, service, reference);
    if (service === 'logs' && operation === 'PutLogEvents') {
      const answer = await this.putLogEvents(stats, input, forward);
      // The emulator delivered to its subscription filters inside the call: a staging stream may have records.
      this.delivery.kick();
      return answer;
    }
    const delivered = deliveryAnswer(this.delivery, { service, operation, input, now: this.now() }, forward);
    if (delivered !== undefined) return delivered;
    if (service === 'logs' && operation === 'GetLogEvents') return this.getLogEvents(stats, input, forward);
    if (service === 'logs' && operation === 'FilterLogEvents') return this.filterLogEvents(stats, input, forward);
    if (service === 'kinesis' && operation === 'GetShardIterator') return this.getShardIterator(input, forward);
    if (service === 'kinesis' && operation === 'GetRecords') return this.getRecords(stats, input, forward);
    if (service === 'dynamodb' && ITEM_WRITES.has(operation)) {
      const tooLarge = checkItemSizes(operation, input, this.rules.maxItemBytes);
      if (tooLarge) return this.reject(stats, service, tooLarge);
    }
    return forward(undefined);
  }

  private reject(stats: OperationStats, service: AwsService, fault: AwsFault): HttpAnswer {
    stats.rejected++;
    return faultAnswer(service, fault);
  }

  private async putLogEvents(stats: OperationStats, input: Json, forward: Forward): Promise<HttpAnswer> {
    const events = (Array.isArray(input.logEvents) ? input.logEvents : []) as InputLogEvent[];
    const verdict = judgePutLogEvents(events, this.rules.putLogEvents, this.now());
    if (verdict.kind === 'refuse') return this.reject(stats, 'logs', verdict.fault);
    if (verdict.rejected !== undefined && verdict.first === verdict.end) {
      // Nothing to store. The emulator is not asked: an empty batch would still reach its subscription filters.
      return jsonAnswer({ rejectedLogEventsInfo: verdict.rejected });
    }
    const whole = verdict.rejected === undefined;
    const answer = await forward(whole ? undefined : { ...input, logEvents: events.slice(verdict.first, verdict.end) });
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    const upstream = output?.rejectedLogEventsInfo as RejectedLogEventsInfo | undefined;
    if (output === undefined || (whole && upstream === undefined)) return answer;
    // The emulator's own report counts differently (inclusive old end) and from the slice it got.
    const rejected = mergeRejected(verdict.rejected, verdict.first, upstream);
    const shaped: Json = { ...output };
    if (rejected === undefined) delete shaped.rejectedLogEventsInfo;
    else shaped.rejectedLogEventsInfo = rejected;
    return rewritten(answer, shaped);
  }

  private async getLogEvents(stats: OperationStats, input: Json, forward: Forward): Promise<HttpAnswer> {
    const group = String(input.logGroupName ?? input.logGroupIdentifier ?? '');
    const scope = `GetLogEvents\n${group}\n${String(input.logStreamName)}`;
    const opened = this.openToken(input, scope);
    if (opened !== undefined && 'type' in opened) return this.reject(stats, 'logs', opened);
    const answer = await forward(this.withInnerToken(input, opened));
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    if (output === undefined) return answer;
    this.reads.getLogEvents(output, opened, scope, this.rules, this.now());
    return rewritten(answer, output);
  }

  private async filterLogEvents(stats: OperationStats, input: Json, forward: Forward): Promise<HttpAnswer> {
    const group = String(input.logGroupName ?? input.logGroupIdentifier ?? '');
    const scope = `FilterLogEvents\n${group}`;
    const opened = this.openToken(input, scope);
    if (opened !== undefined && 'type' in opened) return this.reject(stats, 'logs', opened);
    const answer = await forward(this.withInnerToken(input, opened));
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    if (output === undefined) return answer;
    this.reads.filterLogEvents(output, opened, group, scope, this.rules, this.now());
    return rewritten(answer, output);
  }

  private async getShardIterator(input: Json, forward: Forward): Promise<HttpAnswer> {
    const answer = await forward(undefined);
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    if (typeof output?.ShardIterator !== 'string') return answer;
    return rewritten(answer, { ...output, ShardIterator: this.iterators.wrap(output.ShardIterator, this.now()) });
  }

  private async getRecords(stats: OperationStats, input: Json, forward: Forward): Promise<HttpAnswer> {
    const rules = this.rules.kinesis;
    const opened = this.iterators.open(input.ShardIterator, this.now(), rules.shardIteratorTtlMs);
    if ('type' in opened) return this.reject(stats, 'kinesis', opened);
    if (!this.quota.admit(`GetRecords ${opened.shard}`, rules.getRecordsPerShard, this.now())) {
      stats.throttled++;
      const message = `Rate exceeded for shard ${opened.shard}: at most ${rules.getRecordsPerShard} GetRecords calls per second.`;
      return faultAnswer('kinesis', clientFault('ProvisionedThroughputExceededException', message));
    }
    const answer = await forward({ ...input, ShardIterator: opened.inner });
    const output = answer.status === 200 ? parseJson(answer.body) : undefined;
    if (output === undefined) return answer;
    // A closed shard has no next iterator (null or absent), as on AWS.
    const next =
      typeof output.NextShardIterator === 'string'
        ? this.iterators.wrap(output.NextShardIterator, this.now())
        : undefined;
    const shaped: Json = { ...output };
    if (next === undefined) delete shaped.NextShardIterator;
    else shaped.NextShardIterator = next;
    return rewritten(answer, shaped);
  }

  private openToken(input: Json, scope: string): GivenToken | AwsFault | undefined {
    return this.reads.openToken(input.nextToken, scope, this.rules, this.now());
  }

  private withInnerToken(input: Json, given: GivenToken | undefined): Json | undefined {
    if (given === undefined) return undefined;
    const copy: Json = { ...input };
    if (given.inner === null) delete copy.nextToken;
    else copy.nextToken = given.inner;
    return copy;
  }
}
