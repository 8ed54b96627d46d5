import { LogstreamError } from '../../domain';
import type { AwsService } from './aws-fault';

/**
 * A fault injected on demand: an outage, a throttled fraction of calls, added latency, or a lost reply (the call
 * takes effect in the emulator, and the caller gets a 500 or a reset connection instead of its answer).
 */
export interface FaultSpec {
  service: AwsService;
  kind: 'outage' | 'throttle' | 'latency' | 'lost-reply';
  /** How long it lasts; absent = until the faults are cleared. */
  seconds?: number;
  /** throttle, lost-reply: the fraction of matching calls hit (0..1, default 1). */
  fraction?: number;
  /** latency: the delay added to each matching call. */
  latencyMs?: number;
  /** lost-reply: the connection is reset instead of a 500 `InternalFailure` answer. */
  reset?: boolean;
  /** Only these operations (e.g. "GetLogEvents"); absent = every operation of the service. */
  operations?: string[];
}

/** A fault as the control API reports it. */
export interface ActiveFault extends FaultSpec {
  id: string;
  /** Epoch ms when it ends; absent = until cleared. */
  until?: number;
}

/** What the faults say about one call. */
export interface FaultDecision {
  outage: boolean;
  throttle: boolean;
  latencyMs: number;
  /** The call goes through; its answer is lost ('500' or 'reset'), or not. */
  lostReply?: '500' | 'reset';
}

/** A fault specification that cannot be applied. */
export class InvalidFaultError extends LogstreamError {
  constructor(message: string) {
    super('INVALID_STRICT_FAULT', message);
  }
}

const SERVICES: readonly string[] = ['logs', 'dynamodb', 'kinesis'];
const KINDS: readonly string[] = ['outage', 'throttle', 'latency', 'lost-reply'];
const FIELDS: readonly string[] = ['service', 'kind', 'seconds', 'fraction', 'latencyMs', 'operations', 'reset'];

/** Checks a control request body and returns it as a FaultSpec; throws InvalidFaultError. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidFaultError('not an object');
  const spec = body as Record<string, unknown>;
  const unknown = Object.keys(spec).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) throw new InvalidFaultError(`unknown field ${unknown.join(', ')}`);
  if (typeof spec.service !== 'string' || !SERVICES.includes(spec.service)) {
    throw new InvalidFaultError(`service must be one of ${SERVICES.join(', ')}`);
  }
  if (typeof spec.kind !== 'string' || !KINDS.includes(spec.kind)) {
    throw new InvalidFaultError(`kind must be one of ${KINDS.join(', ')}`);
  }
  const number = (field: string, min: number, max: number): number | undefined => {
    const value = spec[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidFaultError(`${field} must be a number from ${min} to ${max}`);
    }
    return value;
  };
  const operations = spec.operations;
  if (operations !== undefined && (!Array.isArray(operations) || operations.some((op) => typeof op !== 'string'))) {
    throw new InvalidFaultError('operations must be a list of operation names');
  }
  const latencyMs = number('latencyMs', 0, 600_000);
  if (spec.kind === 'latency' && latencyMs === undefined) throw new InvalidFaultError('latency needs latencyMs');
  if (spec.reset !== undefined && (typeof spec.reset !== 'boolean' || spec.kind !== 'lost-reply')) {
    throw new InvalidFaultError('reset (true or false) applies to lost-reply only');
  }
  return {
    service: spec.service as AwsService,
    kind: spec.kind as FaultSpec['kind'],
    seconds: number('seconds', 0, 86_400),
    fraction: number('fraction', 0, 1),
    latencyMs,
    operations: operations as string[] | undefined,
    ...(spec.reset === undefined ? {} : { reset: spec.reset }),
  };
}

/** The faults in force; expired ones drop out by themselves. */
export class FaultTable {
  private readonly faults = new Map<string, ActiveFault>();
  private nextId = 1;

  /** Adds a fault starting at `now`; returns its id. */
  add(spec: FaultSpec, now: number): string {
    const id = `fault-${this.nextId++}`;
    const until = spec.seconds === undefined ? undefined : now + spec.seconds * 1000;
    this.faults.set(id, { ...spec, id, ...(until === undefined ? {} : { until }) });
    return id;
  }

  clear(): void {
    this.faults.clear();
  }

  /** Ends fault `id` now; false when no such fault is in force. */
  remove(id: string): boolean {
    return this.faults.delete(id);
  }

  /** The faults in force at `now`. */
  active(now: number): ActiveFault[] {
    for (const [id, fault] of this.faults) if (fault.until !== undefined && fault.until <= now) this.faults.delete(id);
    return [...this.faults.values()];
  }

  /** What the faults in force do to a call of `service`/`operation`; `random` in [0, 1) decides throttling. */
  decide(service: AwsService, operation: string, now: number, random: number): FaultDecision {
    const decision: FaultDecision = { outage: false, throttle: false, latencyMs: 0 };
    for (const fault of this.active(now)) {
      if (fault.service !== service) continue;
      if (fault.operations !== undefined && !fault.operations.includes(operation)) continue;
      if (fault.kind === 'outage') decision.outage = true;
      if (fault.kind === 'throttle' && random < (fault.fraction ?? 1)) decision.throttle = true;
      if (fault.kind === 'latency') decision.latencyMs = Math.max(decision.latencyMs, fault.latencyMs ?? 0);
      if (fault.kind === 'lost-reply' && random < (fault.fraction ?? 1))
        decision.lostReply = fault.reset ? 'reset' : '500';
    }
    return decision;
  }
}
