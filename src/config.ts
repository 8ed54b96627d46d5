import { LogstreamError } from './domain';
import type { StreamCapacity } from './adapters/kinesis/provision';
import {
  loadTemporalSettings,
  TemporalSettingsError,
  type TemporalSettings,
} from './adapters/temporal/connection-options';

/** The configuration is invalid; the message names the variable. */
export class ConfigError extends LogstreamError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('INVALID_CONFIG', `${variable}: ${message}`);
  }
}

/** Everything the processes read from the environment, validated once. */
export interface Config {
  readonly apiUrl: string;
  readonly host: string;
  readonly port: number;
  readonly apiKeys: readonly string[];
  readonly demo: boolean;
  readonly table: string;
  readonly logGroup: string;
  readonly emulatorPort: number;
  readonly temporalUiPort: number;
  readonly temporalAddress: string;
  readonly temporalNamespace: string;
  /** How to reach Temporal (address, namespace, API key, TLS, profile), read through `@temporalio/envconfig`. */
  readonly temporal: TemporalSettings;
  readonly taskQueue: string;
  readonly awsEndpoint: string | undefined;
  readonly awsRegion: string;
  /**
   * `local` (default): AWS calls go to `AWS_ENDPOINT_URL`, else to the local emulator; credentials or a profile in
   * the environment change nothing. `real` (`LOGSTREAM_AWS=real`): the SDK's endpoint and credential chain.
   */
  readonly aws: 'local' | 'real';
  /** True when AWS calls go to the local emulator. */
  readonly localAws: boolean;
  /** True when `npm start` runs its own Temporal server and AWS emulator (`LOGSTREAM_LOCAL_STACK`). */
  readonly localStack: boolean;
  /** The local stack puts the strict AWS layer in front of the emulator (`LOGSTREAM_STRICT_AWS`, default on). */
  readonly strictAws: boolean;
  readonly settleMs: number;
  /**
   * FilterLogEvents calls per second all of logstream's processes take together for the seal's proofs
   * (`LOGSTREAM_FILTER_READS_PER_SECOND`): the account's quota is 5, shared with people, and cannot be raised.
   */
  readonly filterReadsPerSecond: number;
  readonly ttlDays: number;
  readonly maxRunHours: number;
  /**
   * Longest time from an execution's registration to its seal that keeps its items without rewriting them
   * (`LOGSTREAM_UNSEALED_TTL_DAYS`): each item of an unsealed log is written to expire this plus `ttlDays` after its
   * write, so a log never sealed (its workflow terminated) is removed in the end, and the seal rewrites no chunk.
   */
  readonly unsealedTtlDays: number;
  /**
   * Longest the forwarder holds back the lines of an execution nobody tails (`LOGSTREAM_PUSH_HOLD_MS`), to store them
   * in fewer, bigger chunks; 0 stores every round's lines at once. A tail or the seal's drain gets them at once.
   */
  readonly pushHoldMs: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Heartbeat timeout of the command runner: the longest Temporal outage a running job survives. */
  readonly commandHeartbeatTimeoutMs: number;
  readonly dataDir: string;
  /** Level of the processes' own logs (JSON on stderr) and of the Temporal worker's. */
  readonly logLevel: LogLevel;
  /** Where the process logs go instead of stderr (`LOGSTREAM_LOG_FILE`; `npm start` defaults it under the data dir). */
  readonly logFile: string | undefined;
  /** How long a WebSocket ticket from `/logs` stays valid (ms). */
  readonly ticketTtlMs: number;
  /**
   * The key WebSocket tickets are signed with (`LOGSTREAM_TICKET_SECRET`), the same on every API node behind one URL
   * so a ticket issued by one is accepted by another; undefined = a random key per process (one node only).
   */
  readonly ticketSecret: string | undefined;
  /** WebSocket tails: limits, pacing and allowed browser origins. */
  readonly ws: WsConfig;
  /**
   * How new executions are ingested (`LOGSTREAM_INGEST`): `push` = through the log group's subscription filter and
   * the shard forwarders; `poll` = each execution reads CloudWatch itself; `auto` (default) = push when the log group
   * has logstream's subscription filter, else poll. Provisioning creates the stream and the filter unless `poll`.
   */
  readonly ingest: IngestSetting;
  /** The Kinesis Data Stream the subscription filter delivers to (`LOGSTREAM_KINESIS_STREAM`). */
  readonly kinesisStream: string;
  /** Shards the Kinesis stream is created with (`LOGSTREAM_KINESIS_SHARDS`; an existing stream keeps its own). */
  /** Capacity of the Kinesis stream provisioning creates (`LOGSTREAM_KINESIS_SHARDS`: on-demand, or a shard count). */
  readonly kinesisShards: StreamCapacity;
  /**
   * The IAM role CloudWatch Logs assumes to write to the stream (`LOGSTREAM_SUBSCRIPTION_ROLE_ARN`); a dummy on the
   * local emulator, which checks none; undefined on real AWS until set (provisioning the filter needs it).
   */
  readonly subscriptionRoleArn: string | undefined;
  /**
   * Standalone processes create what is missing at start: the table, the log group, the stream and the filter
   * (`LOGSTREAM_PROVISION`, default on). Off where a deployment (the CDK app) owns them and the processes' roles
   * allow only what they use.
   */
  readonly provision: boolean;
  /** The worker runs the shard forwarders (`LOGSTREAM_FORWARDER`, default on). */
  readonly forwarder: boolean;
  /** Most activities one worker runs at once (`LOGSTREAM_WORKER_MAX_ACTIVITIES`). */
  readonly workerMaxActivities: number;
}

/** `LOGSTREAM_INGEST`: a mode, or `auto` (push when the log group is subscribed). */
export type IngestSetting = 'auto' | 'push' | 'poll';

/** Settings of the WebSocket tail server. */
export interface WsConfig {
  /** Most concurrent sockets (open or being admitted) from one client address. */
  readonly maxSocketsPerAddress: number;
  /** Most concurrent sockets opened with the tickets of one API key. */
  readonly maxSocketsPerKey: number;
  /** A socket whose send buffer stays above this many bytes for `slowConsumerMs` is closed. */
  readonly maxBufferedBytes: number;
  readonly slowConsumerMs: number;
  /** Interval of the ping/pong heartbeat; a socket silent for a whole interval is terminated. */
  readonly heartbeatMs: number;
  /** Longest interval of an idle tail's DynamoDB poll (it polls every `pollMinMs` while events flow). */
  readonly pollMaxMs: number;
  /** Origins allowed besides the API's own host (a browser socket's Origin must be one of them). */
  readonly allowedOrigins: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** The role the subscription filter names on the local emulator, which checks no IAM (its default account). */
export const LOCAL_SUBSCRIPTION_ROLE_ARN = 'arn:aws:iam::123456789012:role/logstream-subscription';
/** The Kinesis stream's name unless `LOGSTREAM_KINESIS_STREAM` says otherwise. */
export const DEFAULT_KINESIS_STREAM = 'logstream-log-events';
// Kinesis stream names; IAM role ARNs (partition, 12-digit account, role path and name).
const KINESIS_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]{1,511}\/)?[\w+=,.@-]{1,64}$/;

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Reads and validates the configuration from `env`. */
export function loadConfig(env: Env = process.env): Config {
  const host = env.LOGSTREAM_HOST || '127.0.0.1';
  const port = integer(env, 'LOGSTREAM_PORT', 8080, 0, 65535);
  const emulatorPort = integer(env, 'LOGSTREAM_EMULATOR_PORT', 4566, 1, 65535);
  const awsEndpoint = env.AWS_ENDPOINT_URL || undefined;
  const aws = awsMode(env);
  // Most AWS users have credentials or a profile in their shell: only LOGSTREAM_AWS=real leaves the emulator.
  const embeddedAws = !awsEndpoint && aws === 'local';
  const endpoint = embeddedAws ? `http://127.0.0.1:${emulatorPort}` : awsEndpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError('AWS_ENDPOINT_URL', 'must be an http(s) URL');
  }
  const localAws = endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint);
  const localStack = localStackFlag(env, embeddedAws);
  const temporal = temporalSettings(env, localStack);
  const temporalAddress = temporal.address;
  const apiKeys = (env.LOGSTREAM_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  if (apiKeys.some((k) => k.length < 16))
    throw new ConfigError('LOGSTREAM_API_KEYS', 'each key needs 16 characters or more');
  return {
    apiUrl: url(env, 'LOGSTREAM_URL', `http://127.0.0.1:${port || 8080}`),
    host,
    port,
    apiKeys,
    demo: flag(env, 'LOGSTREAM_DEMO', true),
    table: name(env, 'LOGSTREAM_TABLE', 'logstream-execution-logs', /^[A-Za-z0-9_.-]{3,255}$/),
    logGroup: name(env, 'LOGSTREAM_LOG_GROUP', '/logstream/executions', /^[A-Za-z0-9_./#-]{1,512}$/),
    emulatorPort,
    temporalUiPort: integer(env, 'LOGSTREAM_TEMPORAL_UI_PORT', 8233, 1, 65535),
    temporalAddress,
    temporalNamespace: temporal.namespace,
    temporal,
    taskQueue: name(env, 'LOGSTREAM_TASK_QUEUE', 'logstream', /^[A-Za-z0-9_.-]{1,255}$/),
    awsEndpoint: endpoint,
    awsRegion: name(env, 'AWS_REGION', 'us-east-1', /^[a-z0-9-]{4,32}$/),
    aws,
    localAws,
    localStack,
    strictAws: flag(env, 'LOGSTREAM_STRICT_AWS', true),
    // AWS surfaces most events within seconds but can lag; the emulator has no lag at all.
    settleMs: integer(env, 'LOGSTREAM_SETTLE_MS', localAws ? 2000 : 30_000, 0, 3_600_000),
    filterReadsPerSecond: integer(env, 'LOGSTREAM_FILTER_READS_PER_SECOND', 2, 1, 100),
    ttlDays: integer(env, 'LOGSTREAM_TTL_DAYS', 7, 1, 3650),
    maxRunHours: integer(env, 'LOGSTREAM_MAX_RUN_HOURS', 24, 1, 24 * 365),
    unsealedTtlDays: unsealedTtlDays(env),
    // The emulator's tests and demo want lines stored promptly; on AWS, fewer writes matter more.
    pushHoldMs: integer(env, 'LOGSTREAM_PUSH_HOLD_MS', localAws ? 1000 : 20_000, 0, 600_000),
    pollMinMs: integer(env, 'LOGSTREAM_POLL_MIN_MS', 100, 10, 60_000),
    pollMaxMs: integer(env, 'LOGSTREAM_POLL_MAX_MS', 2000, 10, 600_000),
    heartbeatTimeoutMs: integer(env, 'LOGSTREAM_HEARTBEAT_TIMEOUT_MS', 20_000, 1000, 600_000),
    commandHeartbeatTimeoutMs: integer(env, 'LOGSTREAM_COMMAND_HEARTBEAT_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    dataDir: env.LOGSTREAM_DATA_DIR || '.data',
    logLevel: logLevel(env),
    logFile: env.LOGSTREAM_LOG_FILE || undefined,
    ticketTtlMs: integer(env, 'LOGSTREAM_TICKET_TTL_MS', 60_000, 1000, 3_600_000),
    ticketSecret: ticketSecret(env, apiKeys),
    ws: {
      maxSocketsPerAddress: integer(env, 'LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS', 100, 1, 100_000),
      maxSocketsPerKey: integer(env, 'LOGSTREAM_WS_MAX_SOCKETS_PER_KEY', 1000, 1, 1_000_000),
      maxBufferedBytes: integer(env, 'LOGSTREAM_WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
      slowConsumerMs: integer(env, 'LOGSTREAM_WS_SLOW_CONSUMER_MS', 5000, 100, 600_000),
      heartbeatMs: integer(env, 'LOGSTREAM_WS_HEARTBEAT_MS', 30_000, 1000, 600_000),
      pollMaxMs: integer(env, 'LOGSTREAM_WS_POLL_MAX_MS', 1000, 10, 60_000),
      allowedOrigins: origins(env, 'LOGSTREAM_WS_ALLOWED_ORIGINS'),
    },
    ingest: ingestSetting(env),
    kinesisStream: name(env, 'LOGSTREAM_KINESIS_STREAM', DEFAULT_KINESIS_STREAM, KINESIS_STREAM_NAME),
    kinesisShards: streamCapacity(env, localAws),
    subscriptionRoleArn: roleArn(env, localAws),
    provision: flag(env, 'LOGSTREAM_PROVISION', true),
    forwarder: flag(env, 'LOGSTREAM_FORWARDER', true),
    workerMaxActivities: integer(env, 'LOGSTREAM_WORKER_MAX_ACTIVITIES', 1000, 1, 100_000),
  };
}

function unsealedTtlDays(env: Env): number {
  const days = integer(env, 'LOGSTREAM_UNSEALED_TTL_DAYS', 30, 1, 3650);
  const maxRunHours = integer(env, 'LOGSTREAM_MAX_RUN_HOURS', 24, 1, 24 * 365);
  // A managed command's items must outlive its longest run (and its seal, a day at most after it).
  if (days * 24 < maxRunHours + 24) {
    throw new ConfigError(
      'LOGSTREAM_UNSEALED_TTL_DAYS',
      `must exceed LOGSTREAM_MAX_RUN_HOURS (${maxRunHours} h) by a day, got ${days} days`,
    );
  }
  return days;
}

/** On-demand by default on AWS (Kinesis sizes it); one shard on the emulator, which has no on-demand scaling. */
function streamCapacity(env: Env, localAws: boolean): StreamCapacity {
  const raw = env.LOGSTREAM_KINESIS_SHARDS;
  if (raw === 'on-demand') return raw;
  if (raw === undefined || raw === '') return localAws ? 1 : 'on-demand';
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(
      'LOGSTREAM_KINESIS_SHARDS',
      `must be on-demand or a whole number, got ${JSON.stringify(raw)}`,
    );
  }
  return integer(env, 'LOGSTREAM_KINESIS_SHARDS', 1, 1, 500);
}

function ingestSetting(env: Env): IngestSetting {
  const raw = env.LOGSTREAM_INGEST || 'auto';
  if (raw !== 'auto' && raw !== 'push' && raw !== 'poll') {
    throw new ConfigError('LOGSTREAM_INGEST', `must be auto, push or poll, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** Fewest characters of `LOGSTREAM_TICKET_SECRET`: 32 random bytes in base64 are 44. */
export const TICKET_SECRET_MIN_LENGTH = 32;

function ticketSecret(env: Env, apiKeys: readonly string[]): string | undefined {
  const raw = env.LOGSTREAM_TICKET_SECRET;
  if (raw === undefined || raw === '') return undefined;
  if (raw.trim() !== raw || raw.length < TICKET_SECRET_MIN_LENGTH) {
    throw new ConfigError(
      'LOGSTREAM_TICKET_SECRET',
      `needs ${TICKET_SECRET_MIN_LENGTH} characters or more, without surrounding spaces (e.g. openssl rand -base64 32)`,
    );
  }
  // A secret equal to an API key would let any key holder forge tickets for every execution and every other key.
  if (apiKeys.includes(raw)) throw new ConfigError('LOGSTREAM_TICKET_SECRET', 'must differ from every API key');
  return raw;
}

function roleArn(env: Env, localAws: boolean): string | undefined {
  const raw = env.LOGSTREAM_SUBSCRIPTION_ROLE_ARN;
  if (raw === undefined || raw === '') return localAws ? LOCAL_SUBSCRIPTION_ROLE_ARN : undefined;
  if (!ROLE_ARN.test(raw)) {
    throw new ConfigError(
      'LOGSTREAM_SUBSCRIPTION_ROLE_ARN',
      `must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

function temporalSettings(env: Env, localStack: boolean): TemporalSettings {
  try {
    return loadTemporalSettings(env, { localStack });
  } catch (error) {
    if (error instanceof TemporalSettingsError) throw new ConfigError(error.variable, error.reason);
    throw error;
  }
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(variable, `must be between ${min} and ${max}`);
  return value;
}

// auto: run the local stack when neither Temporal nor AWS was configured; 1/0 force it on/off.
function localStackFlag(env: Env, embeddedAws: boolean): boolean {
  const raw = env.LOGSTREAM_LOCAL_STACK ?? 'auto';
  if (raw === 'auto' || raw === '') return !env.TEMPORAL_ADDRESS && embeddedAws;
  const local = flag(env, 'LOGSTREAM_LOCAL_STACK', false);
  if (local && env.LOGSTREAM_AWS === 'real') {
    throw new ConfigError(
      'LOGSTREAM_AWS',
      'real AWS and LOGSTREAM_LOCAL_STACK=1 (the local emulator) exclude each other',
    );
  }
  return local;
}

function awsMode(env: Env): 'local' | 'real' {
  const raw = env.LOGSTREAM_AWS || 'local';
  if (raw !== 'local' && raw !== 'real') throw new ConfigError('LOGSTREAM_AWS', 'must be local or real');
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return raw as LogLevel;
}

function flag(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(variable, 'must be 0 or 1');
}

function name(env: Env, variable: string, fallback: string, pattern: RegExp): string {
  const value = env[variable] || fallback;
  if (!pattern.test(value)) throw new ConfigError(variable, `invalid value ${JSON.stringify(value)}`);
  return value;
}

function origins(env: Env, variable: string): string[] {
  const list = (env[variable] ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o.length > 0);
  for (const origin of list) {
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) {
      throw new ConfigError(variable, `not an origin: ${JSON.stringify(origin)}`);
    }
  }
  return list;
}

function url(env: Env, variable: string, fallback: string): string {
  const value = env[variable] || fallback;
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw new ConfigError(variable, 'must be an http(s) URL');
  return value.replace(/\/+$/, '');
}
