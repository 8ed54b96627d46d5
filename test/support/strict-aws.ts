import type { DeliveryConfig } from '../../src/devstack/strict-aws/delivery-config';
import type { DeliveryState } from '../../src/devstack/strict-aws/delivery-model';
import type { DisabledWindow } from '../../src/devstack/strict-aws/delivery-schedule';
import type { FaultSpec } from '../../src/devstack/strict-aws/faults';
import type { StrictRules } from '../../src/devstack/strict-aws/rules';
import type { OperationStats } from '../../src/devstack/strict-aws/stats';

/** A partial rules object for `setRules` (nested objects may be partial too). */
export type StrictRulesPatch = {
  [K in keyof StrictRules]?: StrictRules[K] extends object ? Partial<StrictRules[K]> : StrictRules[K];
};

/** The strict layer's counters, by "service:Operation". */
export interface StrictStatsView {
  operations: Record<string, OperationStats>;
}

/** A partial delivery settings object for `setDelivery` (nested objects may be partial too). */
export type DeliveryPatch = {
  [K in keyof DeliveryConfig]?: DeliveryConfig[K] extends object ? Partial<DeliveryConfig[K]> : DeliveryConfig[K];
};

/** Client of the strict AWS layer's control API (rules, faults, counters) on the local stack's AWS endpoint. */
export interface StrictAwsControl {
  setRules(patch: StrictRulesPatch): Promise<StrictRules>;
  resetRules(): Promise<StrictRules>;
  /** Injects a fault; returns its id. */
  fault(spec: FaultSpec): Promise<string>;
  clearFaults(): Promise<void>;
  /** Ends one fault now, by the id `fault` returned; the others stay. */
  endFault(id: string): Promise<void>;
  stats(): Promise<StrictStatsView>;
  resetStats(): Promise<void>;
  state(): Promise<{ rules: StrictRules; faults: (FaultSpec & { id: string })[]; stats: StrictStatsView }>;
  /** The subscription delivery model: settings, disabled windows, counters. */
  delivery(): Promise<DeliveryState>;
  setDelivery(patch: DeliveryPatch): Promise<DeliveryState>;
  resetDelivery(): Promise<DeliveryState>;
  /** Skips the delivery of records arriving from now on, for `seconds` (one log group, or all). */
  disableDelivery(window: { seconds: number; logGroup?: string }): Promise<DisabledWindow>;
  /** Ends the disabled windows now (one log group's, or all). */
  enableDelivery(scope?: { logGroup?: string }): Promise<DeliveryState>;
}

/** The control API of the strict layer serving `endpoint` (default: the stack of the test run). */
export function strictAws(endpoint = process.env.AWS_ENDPOINT_URL): StrictAwsControl {
  if (endpoint === undefined) throw new Error('strictAws: no endpoint (AWS_ENDPOINT_URL is not set)');
  const base = endpoint.replace(/\/+$/, '');
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}/__strict/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`strict AWS control ${method} ${route}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    setRules: (patch) => call('PUT', 'rules', patch),
    resetRules: () => call('POST', 'rules/reset'),
    fault: async (spec) => (await call<{ id: string }>('POST', 'faults', spec)).id,
    clearFaults: async () => void (await call('DELETE', 'faults')),
    endFault: async (id) => void (await call('DELETE', `faults/${encodeURIComponent(id)}`)),
    stats: () => call('GET', 'stats'),
    resetStats: async () => void (await call('POST', 'stats/reset')),
    state: () => call('GET', 'state'),
    delivery: () => call('GET', 'delivery'),
    setDelivery: (patch) => call('PUT', 'delivery', patch),
    resetDelivery: () => call('POST', 'delivery/reset'),
    disableDelivery: (window) => call('POST', 'delivery/disable', window),
    enableDelivery: (scope = {}) => call('POST', 'delivery/enable', scope),
  };
}
