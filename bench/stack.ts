import { loadConfig, type Config } from '../src/config';
import { findFreePort, startLocalStack, type LocalStack } from '../src/devstack/local-stack';

/** A local stack on free ports for one benchmark run, the environment and base configuration pointing at it. */
export async function startBenchStack(): Promise<{
  stack: LocalStack;
  /** The stack's coordinates and the bench settings, for processes the benchmarks start. */
  env: Record<string, string>;
  config: (env?: Record<string, string>) => Config;
}> {
  const stack = await startLocalStack({
    temporalPort: await findFreePort(),
    temporalUiPort: await findFreePort(),
    emulatorPort: await findFreePort(),
    tableName: 'logstream-bench',
    logGroup: '/logstream/bench',
    region: 'us-east-1',
    // The strict AWS layer, as in npm start and npm test (LOGSTREAM_STRICT_AWS=0 measures moto alone).
    strictAws: loadConfig({ LOGSTREAM_STRICT_AWS: process.env.LOGSTREAM_STRICT_AWS }).strictAws,
  });
  const env = {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    AWS_ENDPOINT_URL: stack.awsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOGSTREAM_TABLE: 'logstream-bench',
    LOGSTREAM_LOG_GROUP: '/logstream/bench',
    LOGSTREAM_PORT: '0',
    LOGSTREAM_SETTLE_MS: '500',
    LOG_LEVEL: 'warn',
  };
  return { stack, env, config: (overrides = {}) => loadConfig({ ...process.env, ...env, ...overrides }) };
}

/** The q-quantile (0..1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
