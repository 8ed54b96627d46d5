import { ConfigError, SETTINGS, type Env, type LogLevel } from './config-schema';
import type { StreamCapacity } from './adapters/kinesis/provision';
import {
  loadTemporalSettings,
  TemporalSettingsError,
  type TemporalSettings,
} from './adapters/temporal/connection-options';

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

export { ConfigError, DEFAULT_KINESIS_STREAM, LOCAL_SUBSCRIPTION_ROLE_ARN, type LogLevel } from './config-schema';

/** Reads and validates the configuration from `env`, each variable through its declaration in `SETTINGS`. */
export function loadConfig(env: Env = process.env): Config {
  const port = SETTINGS.LOGSTREAM_PORT.read(env);
  const emulatorPort = SETTINGS.LOGSTREAM_EMULATOR_PORT.read(env);
  const awsEndpoint = SETTINGS.AWS_ENDPOINT_URL.read(env);
  const aws = SETTINGS.LOGSTREAM_AWS.read(env);
  // Most AWS users have credentials or a profile in their shell: only LOGSTREAM_AWS=real leaves the emulator.
  const embeddedAws = !awsEndpoint && aws === 'local';
  const endpoint = embeddedAws ? `http://127.0.0.1:${emulatorPort}` : awsEndpoint;
  const localAws = endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint);
  const context = { localAws, port };
  const localStack = localStackFlag(env, embeddedAws, aws);
  const temporal = temporalSettings(env, localStack);
  const apiKeys = SETTINGS.LOGSTREAM_API_KEYS.read(env);
  return {
    apiUrl: SETTINGS.LOGSTREAM_URL.read(env, context),
    host: SETTINGS.LOGSTREAM_HOST.read(env),
    port,
    apiKeys,
    demo: SETTINGS.LOGSTREAM_DEMO.read(env),
    table: SETTINGS.LOGSTREAM_TABLE.read(env),
    logGroup: SETTINGS.LOGSTREAM_LOG_GROUP.read(env),
    emulatorPort,
    temporalUiPort: SETTINGS.LOGSTREAM_TEMPORAL_UI_PORT.read(env),
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    temporal,
    taskQueue: SETTINGS.LOGSTREAM_TASK_QUEUE.read(env),
    awsEndpoint: endpoint,
    awsRegion: SETTINGS.AWS_REGION.read(env),
    aws,
    localAws,
    localStack,
    strictAws: SETTINGS.LOGSTREAM_STRICT_AWS.read(env),
    settleMs: SETTINGS.LOGSTREAM_SETTLE_MS.read(env, context),
    filterReadsPerSecond: SETTINGS.LOGSTREAM_FILTER_READS_PER_SECOND.read(env),
    ttlDays: SETTINGS.LOGSTREAM_TTL_DAYS.read(env),
    maxRunHours: SETTINGS.LOGSTREAM_MAX_RUN_HOURS.read(env),
    unsealedTtlDays: unsealedTtlDays(env),
    pushHoldMs: SETTINGS.LOGSTREAM_PUSH_HOLD_MS.read(env, context),
    pollMinMs: SETTINGS.LOGSTREAM_POLL_MIN_MS.read(env),
    pollMaxMs: SETTINGS.LOGSTREAM_POLL_MAX_MS.read(env),
    heartbeatTimeoutMs: SETTINGS.LOGSTREAM_HEARTBEAT_TIMEOUT_MS.read(env),
    commandHeartbeatTimeoutMs: SETTINGS.LOGSTREAM_COMMAND_HEARTBEAT_TIMEOUT_MS.read(env),
    dataDir: SETTINGS.LOGSTREAM_DATA_DIR.read(env),
    logLevel: SETTINGS.LOG_LEVEL.read(env),
    logFile: SETTINGS.LOGSTREAM_LOG_FILE.read(env),
    ticketTtlMs: SETTINGS.LOGSTREAM_TICKET_TTL_MS.read(env),
    ticketSecret: ticketSecret(env, apiKeys),
    ws: {
      maxSocketsPerAddress: SETTINGS.LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS.read(env),
      maxSocketsPerKey: SETTINGS.LOGSTREAM_WS_MAX_SOCKETS_PER_KEY.read(env),
      maxBufferedBytes: SETTINGS.LOGSTREAM_WS_MAX_BUFFERED_BYTES.read(env),
      slowConsumerMs: SETTINGS.LOGSTREAM_WS_SLOW_CONSUMER_MS.read(env),
      heartbeatMs: SETTINGS.LOGSTREAM_WS_HEARTBEAT_MS.read(env),
      pollMaxMs: SETTINGS.LOGSTREAM_WS_POLL_MAX_MS.read(env),
      allowedOrigins: SETTINGS.LOGSTREAM_WS_ALLOWED_ORIGINS.read(env),
    },
    ingest: SETTINGS.LOGSTREAM_INGEST.read(env),
    kinesisStream: SETTINGS.LOGSTREAM_KINESIS_STREAM.read(env),
    kinesisShards: SETTINGS.LOGSTREAM_KINESIS_SHARDS.read(env, context),
    subscriptionRoleArn: SETTINGS.LOGSTREAM_SUBSCRIPTION_ROLE_ARN.read(env, context),
    provision: SETTINGS.LOGSTREAM_PROVISION.read(env),
    forwarder: SETTINGS.LOGSTREAM_FORWARDER.read(env),
    workerMaxActivities: SETTINGS.LOGSTREAM_WORKER_MAX_ACTIVITIES.read(env),
  };
}

function unsealedTtlDays(env: Env): number {
  const days = SETTINGS.LOGSTREAM_UNSEALED_TTL_DAYS.read(env);
  const maxRunHours = SETTINGS.LOGSTREAM_MAX_RUN_HOURS.read(env);
  // A managed command's items must outlive its longest run (and its seal, a day at most after it).
  if (days * 24 < maxRunHours + 24) {
    throw new ConfigError(
      'LOGSTREAM_UNSEALED_TTL_DAYS',
      `must exceed LOGSTREAM_MAX_RUN_HOURS (${maxRunHours} h) by a day, got ${days} days`,
    );
  }
  return days;
}

function ticketSecret(env: Env, apiKeys: readonly string[]): string | undefined {
  const secret = SETTINGS.LOGSTREAM_TICKET_SECRET.read(env);
  // A secret equal to an API key would let any key holder forge tickets for every execution and every other key.
  if (secret !== undefined && apiKeys.includes(secret)) {
    throw new ConfigError('LOGSTREAM_TICKET_SECRET', 'must differ from every API key');
  }
  return secret;
}

function temporalSettings(env: Env, localStack: boolean): TemporalSettings {
  try {
    return loadTemporalSettings(env, { localStack });
  } catch (error) {
    if (error instanceof TemporalSettingsError) throw new ConfigError(error.variable, error.reason);
    throw error;
  }
}

// auto: run the local stack when neither Temporal nor AWS was configured; 1/0 force it on/off.
function localStackFlag(env: Env, embeddedAws: boolean, aws: 'local' | 'real'): boolean {
  const local = SETTINGS.LOGSTREAM_LOCAL_STACK.read(env);
  if (local === 'auto') return !env.TEMPORAL_ADDRESS && embeddedAws;
  if (local && aws === 'real') {
    throw new ConfigError(
      'LOGSTREAM_AWS',
      'real AWS and LOGSTREAM_LOCAL_STACK=1 (the local emulator) exclude each other',
    );
  }
  return local;
}
