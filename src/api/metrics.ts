import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallObserver } from '../ports';

/** The process's Prometheus metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** Feed for the adapters: counts DynamoDB and CloudWatch calls and errors by operation. */
  readonly observeCall: CallObserver;
  readonly logsServed: Counter<'source'>;
  readonly logsFallbacks: Counter<'reason'>;
  readonly openSockets: Gauge;
  readonly activeTails: Gauge;
  readonly eventsSent: Counter;
  /** Seconds from an event's timestamp to its publication to the tails. */
  readonly ingestLag: Histogram;
}

/** Creates the metrics on a registry of their own (so tests can build several apps). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: 'logstream_dependency_calls_total',
    help: 'Calls to DynamoDB and CloudWatch Logs by operation and outcome',
    labelNames: ['dependency', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeCall: (dependency, operation, ok) => calls.inc({ dependency, operation, outcome: ok ? 'ok' : 'error' }),
    logsServed: new Counter({
      name: 'logstream_logs_requests_total',
      help: '/logs answers by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    logsFallbacks: new Counter({
      name: 'logstream_logs_cloudwatch_fallbacks_total',
      help: 'Completed logs served from CloudWatch, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    openSockets: new Gauge({ name: 'logstream_ws_open_sockets', help: 'Open WebSocket tails', registers: [registry] }),
    activeTails: new Gauge({
      name: 'logstream_ws_active_tails',
      help: 'Executions with a tail loop',
      registers: [registry],
    }),
    eventsSent: new Counter({
      name: 'logstream_ws_events_sent_total',
      help: 'Events sent to sockets',
      registers: [registry],
    }),
    ingestLag: new Histogram({
      name: 'logstream_ingest_lag_seconds',
      help: 'From an event timestamp to its publication to WebSocket tails',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
