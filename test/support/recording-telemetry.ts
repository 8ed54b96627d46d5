// An activity environment that keeps what an activity logs at ERROR and the counters it adds to.
import { noopMetricMeter, type MetricCounter, type MetricMeter, type MetricTags } from '@temporalio/common';
import type { MockActivityEnvironmentOptions } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

/** What an activity reported: error log lines and counter additions. */
export interface RecordedTelemetry {
  readonly errors: { message: string; meta: Record<string, unknown> }[];
  readonly counters: { name: string; value: number; tags: MetricTags }[];
  /** The sum of a counter's additions. */
  count(name: string): number;
  /** Options of a `MockActivityEnvironment` that records into this. */
  readonly environment: MockActivityEnvironmentOptions;
}

/** A recorder of an activity's error logs and counters (other metrics are dropped). */
export function recordingTelemetry(): RecordedTelemetry {
  const errors: RecordedTelemetry['errors'] = [];
  const counters: RecordedTelemetry['counters'] = [];
  const counter = (name: string, tags: MetricTags): MetricCounter => ({
    name,
    kind: 'counter',
    valueType: 'int',
    add: (value, extraTags) => counters.push({ name, value, tags: { ...tags, ...extraTags } }),
    withTags: (more) => counter(name, { ...tags, ...more }),
  });
  const meter = (tags: MetricTags): MetricMeter => ({
    createHistogram: (...args) => noopMetricMeter.createHistogram(...args),
    createGauge: (...args) => noopMetricMeter.createGauge(...args),
    createCounter: (name) => counter(name, tags),
    withTags: (more) => meter({ ...tags, ...more }),
  });
  const logger = new DefaultLogger('ERROR', (entry) => {
    if (entry.level === 'ERROR') errors.push({ message: entry.message, meta: { ...entry.meta } });
  });
  return {
    errors,
    counters,
    count: (name) => counters.filter((c) => c.name === name).reduce((sum, c) => sum + c.value, 0),
    environment: { logger, metricMeter: meter({}) },
  };
}
