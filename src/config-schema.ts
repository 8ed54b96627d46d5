import { LogstreamError } from './domain';

/** The configuration is invalid; the message names the variable. */
export class ConfigError extends LogstreamError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('INVALID_CONFIG', `${variable}: ${message}`);
  }
}

/** The environment a setting is read from. An empty variable counts as unset. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What some defaults depend on: whether AWS calls go to the local emulator, and the API's port. */
export interface SettingContext {
  readonly localAws?: boolean;
  readonly port?: number;
}

/** The documentation's sections, in order, each with the text shown under its title. */
export const SECTIONS = {
  api: { title: 'API and clients', note: 'The API process, and where the CLI and the HTTP client find it.' },
  cli: {
    title: 'CLI',
    note: 'The CLI also reads `LOGSTREAM_URL` (or `--url`) and the first of `LOGSTREAM_API_KEYS` (or `--api-key`).',
  },
  ws: { title: 'WebSocket tails', note: 'Limits and pacing of the WebSocket tail server, in the API process.' },
  localStack: {
    title: 'Local stack',
    note:
      'With no AWS or Temporal settings, `npm start` runs everything locally (Temporal keeps its SQLite file in ' +
      '`.data/`, so executions survive a restart).',
  },
  aws: {
    title: 'AWS',
    note:
      'Real AWS is chosen explicitly: `LOGSTREAM_AWS=real` with `AWS_REGION` and credentials the SDK finds ' +
      '(profile, environment, role), and `TEMPORAL_ADDRESS` for your cluster; or `AWS_ENDPOINT_URL` for another ' +
      'AWS-compatible endpoint.',
  },
  temporal: {
    title: 'Temporal',
    note:
      'The worker and the API read Temporal settings the way the Temporal SDKs and the `temporal` CLI do ' +
      '(`@temporalio/envconfig`): a profile in `temporal.toml`, overridden by the `TEMPORAL_*` variables below. ' +
      'For Temporal Cloud: `TEMPORAL_ADDRESS=<region>.<cloud>.api.temporal.io:7233 ' +
      'TEMPORAL_NAMESPACE=<ns>.<account> TEMPORAL_API_KEY=… node dist/src/main/worker.js`. A bad setting stops ' +
      'the process with one line naming the variable. `npm start` with its own local stack reads no profile or key.',
  },
  ingest: { title: 'Ingest, seal and retention', note: 'How logs are read from CloudWatch, sealed and kept.' },
  push: {
    title: 'Push ingest',
    note: 'The subscription filter, the Kinesis Data Stream and the shard forwarders (see docs/architecture.md).',
  },
  processes: { title: 'Processes', note: "The worker and the processes' own logs." },
  development: { title: 'Development', note: 'Read by the test suite and the benchmarks, not by the product.' },
} as const;

/** A section of the documentation. */
export type SectionId = keyof typeof SECTIONS;

/** What the documentation says of a setting. */
export interface SettingDoc {
  /** The environment variable. */
  readonly name: string;
  readonly section: SectionId;
  /** What it does, one sentence or two (Markdown). */
  readonly meaning: string;
  /** The default as the documentation shows it (Markdown). */
  readonly default: string;
  /** The values allowed (Markdown). */
  readonly range: string;
  /** Set when another library reads the variable, not this schema. */
  readonly readBy?: string;
}

/** A setting logstream reads itself: its documentation and the function that reads and validates it. */
export interface Setting<T> extends SettingDoc {
  /** Reads and validates the variable; throws `ConfigError` naming it. */
  read(env: Env, context?: SettingContext): T;
}

type Doc = Omit<SettingDoc, 'name' | 'default' | 'range'>;
/** A default that differs between the local emulator and AWS. */
type ByAws<T> = T | { readonly emulator: T; readonly aws: T };

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function byAws<T>(value: ByAws<T>, context: SettingContext | undefined): T {
  if (typeof value === 'object' && value !== null && 'emulator' in value)
    return context?.localAws ? value.emulator : value.aws;
  return value as T;
}

function showByAws<T>(value: ByAws<T>, show: (v: T) => string): string {
  if (typeof value === 'object' && value !== null && 'emulator' in value) {
    return `${show(value.emulator)} on the emulator, ${show(value.aws)} on AWS`;
  }
  return show(value as T);
}

/** Whole number from `min` to `max`. */
function integer(
  name: string,
  spec: Doc & { readonly default: ByAws<number>; readonly min: number; readonly max: number },
): Setting<number> {
  return {
    ...spec,
    name,
    default: showByAws(spec.default, (v) => `\`${v}\``),
    range: `${spec.min}–${spec.max}`,
    read(env, context) {
      const value = raw(env, name);
      if (value === undefined) return byAws(spec.default, context);
      if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(value)}`);
      const n = Number(value);
      if (n < spec.min || n > spec.max) throw new ConfigError(name, `must be between ${spec.min} and ${spec.max}`);
      return n;
    },
  };
}

/** Parses a flag's value: 1/true/yes or 0/false/no. */
function flagValue(name: string, value: string): boolean {
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['0', 'false', 'no'].includes(value)) return false;
  throw new ConfigError(name, 'must be 0 or 1');
}

/** On or off. */
function flag(name: string, spec: Doc & { readonly default: boolean }): Setting<boolean> {
  return {
    ...spec,
    name,
    default: spec.default ? '`1`' : '`0`',
    range: '`0` or `1` (also `false`/`true`, `no`/`yes`)',
    read(env) {
      const value = raw(env, name);
      return value === undefined ? spec.default : flagValue(name, value);
    },
  };
}

/** One of a few words. */
function choice<const V extends string>(
  name: string,
  spec: Doc & {
    readonly values: readonly V[];
    readonly default: V;
    readonly error: (value: string) => string;
    readonly lowerCase?: boolean;
  },
): Setting<V> {
  return {
    section: spec.section,
    meaning: spec.meaning,
    name,
    default: `\`${spec.default}\``,
    range: spec.values.map((v) => `\`${v}\``).join(', '),
    read(env) {
      const given = raw(env, name) ?? spec.default;
      const value = spec.lowerCase ? given.toLowerCase() : given;
      if (!(spec.values as readonly string[]).includes(value)) throw new ConfigError(name, spec.error(value));
      return value as V;
    },
  };
}

/** A name (table, log group, queue, stream, Region) matching `pattern`. */
function pattern(
  name: string,
  spec: Doc & { readonly default: string; readonly pattern: RegExp; readonly range: string },
): Setting<string> {
  return {
    section: spec.section,
    meaning: spec.meaning,
    name,
    default: `\`${spec.default}\``,
    range: spec.range,
    read(env) {
      const value = raw(env, name) ?? spec.default;
      if (!spec.pattern.test(value)) throw new ConfigError(name, `invalid value ${JSON.stringify(value)}`);
      return value;
    },
  };
}

/** Free text (an address, a path), unchecked, with a default. */
function text(name: string, spec: Doc & { readonly default: string; readonly range: string }): Setting<string> {
  return { ...spec, name, default: `\`${spec.default}\``, read: (env) => raw(env, name) ?? spec.default };
}

/** Free text (a path), unchecked; unset when not given. */
function optionalText(
  name: string,
  spec: Doc & { readonly default: string; readonly range: string },
): Setting<string | undefined> {
  return { ...spec, name, read: (env) => raw(env, name) };
}

/** A setting whose reading is its own (documented by hand, read by `read`). */
function custom<T>(name: string, spec: Doc & Omit<Setting<T>, 'name' | keyof Doc>): Setting<T> {
  return { ...spec, name };
}

/** A variable another library or tool reads; documented here so that the reference is whole. */
function external(
  name: string,
  spec: Doc & { readonly default: string; readonly range: string; readonly readBy: string },
): SettingDoc {
  return { ...spec, name };
}

const HTTP_URL = /^https?:\/\/[^\s/]+/;
const ORIGIN = /^https?:\/\/[^\s/]+$/;
// Kinesis stream names; IAM role ARNs (partition, 12-digit account, role path and name).
const KINESIS_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]{1,511}\/)?[\w+=,.@-]{1,64}$/;

/** The role the subscription filter names on the local emulator, which checks no IAM (its default account). */
export const LOCAL_SUBSCRIPTION_ROLE_ARN = 'arn:aws:iam::123456789012:role/logstream-subscription';
/** The Kinesis stream's name unless `LOGSTREAM_KINESIS_STREAM` says otherwise. */
export const DEFAULT_KINESIS_STREAM = 'logstream-log-events';
/** Fewest characters of `LOGSTREAM_TICKET_SECRET`: 32 random bytes in base64 are 44. */
export const TICKET_SECRET_MIN_LENGTH = 32;
/** Fewest characters of an API key. */
const API_KEY_MIN_LENGTH = 16;
/** Log levels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Capacity of a Kinesis stream provisioning creates: on-demand, or a number of shards. */
export type StreamCapacityValue = 'on-demand' | number;

/** Every setting logstream reads from the environment, and those other libraries read for it. */
export const SETTINGS = {
  // API and clients
  LOGSTREAM_URL: custom<string>('LOGSTREAM_URL', {
    section: 'api',
    meaning:
      'where the CLI and the programmatic client find the API (`LOGSTREAM_URL/executions/ID/view` in the Temporal UI)',
    default: '`http://127.0.0.1:8080` (the port of `LOGSTREAM_PORT`)',
    range: 'an http(s) URL',
    read(env, context) {
      const value = raw(env, 'LOGSTREAM_URL') ?? `http://127.0.0.1:${context?.port || 8080}`;
      if (!HTTP_URL.test(value)) throw new ConfigError('LOGSTREAM_URL', 'must be an http(s) URL');
      return value.replace(/\/+$/, '');
    },
  }),
  LOGSTREAM_HOST: text('LOGSTREAM_HOST', {
    section: 'api',
    meaning: 'API bind address (a non-loopback address needs `LOGSTREAM_API_KEYS`)',
    default: '127.0.0.1',
    range: 'a host name or IP address',
  }),
  LOGSTREAM_PORT: integer('LOGSTREAM_PORT', { section: 'api', meaning: 'API port', default: 8080, min: 0, max: 65535 }),
  LOGSTREAM_API_KEYS: custom<readonly string[]>('LOGSTREAM_API_KEYS', {
    section: 'api',
    meaning: 'comma-separated keys; unset = loopback-only, no auth',
    default: 'unset',
    range: `keys of ${API_KEY_MIN_LENGTH} characters or more, separated by commas`,
    read(env) {
      const keys = (env.LOGSTREAM_API_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0);
      if (keys.some((k) => k.length < API_KEY_MIN_LENGTH)) {
        throw new ConfigError('LOGSTREAM_API_KEYS', `each key needs ${API_KEY_MIN_LENGTH} characters or more`);
      }
      return keys;
    },
  }),
  LOGSTREAM_TICKET_TTL_MS: integer('LOGSTREAM_TICKET_TTL_MS', {
    section: 'api',
    meaning: 'how long a WebSocket ticket from `/logs` stays valid',
    default: 60_000,
    min: 1000,
    max: 3_600_000,
  }),
  LOGSTREAM_TICKET_SECRET: custom<string | undefined>('LOGSTREAM_TICKET_SECRET', {
    section: 'api',
    meaning:
      'key the WebSocket tickets are signed with, the same on every API node; required with `LOGSTREAM_API_KEYS`, ' +
      'and different from every key (`openssl rand -base64 32`)',
    default: 'unset (a random key per process)',
    range: `${TICKET_SECRET_MIN_LENGTH} characters or more, no surrounding spaces`,
    read(env) {
      const value = env.LOGSTREAM_TICKET_SECRET;
      if (value === undefined || value === '') return undefined;
      if (value.trim() !== value || value.length < TICKET_SECRET_MIN_LENGTH) {
        throw new ConfigError(
          'LOGSTREAM_TICKET_SECRET',
          `needs ${TICKET_SECRET_MIN_LENGTH} characters or more, without surrounding spaces (e.g. openssl rand -base64 32)`,
        );
      }
      return value;
    },
  }),

  // CLI
  NO_COLOR: custom<boolean>('NO_COLOR', {
    section: 'cli',
    meaning: 'any non-empty value turns colour off unless `--color` is given (https://no-color.org)',
    default: 'unset (colour on a terminal)',
    range: 'any text',
    read: (env) => raw(env, 'NO_COLOR') !== undefined,
  }),

  // WebSocket tails
  LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS: integer('LOGSTREAM_WS_MAX_SOCKETS_PER_ADDRESS', {
    section: 'ws',
    meaning: 'concurrent sockets (open or being admitted) from one client address',
    default: 100,
    min: 1,
    max: 100_000,
  }),
  LOGSTREAM_WS_MAX_SOCKETS_PER_KEY: integer('LOGSTREAM_WS_MAX_SOCKETS_PER_KEY', {
    section: 'ws',
    meaning: 'concurrent sockets opened with the tickets of one API key',
    default: 1000,
    min: 1,
    max: 1_000_000,
  }),
  LOGSTREAM_WS_MAX_BUFFERED_BYTES: integer('LOGSTREAM_WS_MAX_BUFFERED_BYTES', {
    section: 'ws',
    meaning: 'a socket buffering more than this for longer than `LOGSTREAM_WS_SLOW_CONSUMER_MS` is closed (4008)',
    default: 4 * 1024 * 1024,
    min: 64 * 1024,
    max: 1024 * 1024 * 1024,
  }),
  LOGSTREAM_WS_SLOW_CONSUMER_MS: integer('LOGSTREAM_WS_SLOW_CONSUMER_MS', {
    section: 'ws',
    meaning: 'how long a socket may stay above `LOGSTREAM_WS_MAX_BUFFERED_BYTES` before it is closed',
    default: 5000,
    min: 100,
    max: 600_000,
  }),
  LOGSTREAM_WS_HEARTBEAT_MS: integer('LOGSTREAM_WS_HEARTBEAT_MS', {
    section: 'ws',
    meaning: 'ping interval; a socket missing a pong is terminated',
    default: 30_000,
    min: 1000,
    max: 600_000,
  }),
  LOGSTREAM_WS_POLL_MAX_MS: integer('LOGSTREAM_WS_POLL_MAX_MS', {
    section: 'ws',
    meaning:
      'longest DynamoDB poll interval of an idle tail (it polls every `LOGSTREAM_POLL_MIN_MS` while events flow)',
    default: 1000,
    min: 10,
    max: 60_000,
  }),
  LOGSTREAM_WS_ALLOWED_ORIGINS: custom<readonly string[]>('LOGSTREAM_WS_ALLOWED_ORIGINS', {
    section: 'ws',
    meaning: "comma-separated browser origins allowed besides the API's own",
    default: 'unset',
    range: 'http(s) origins (`https://host[:port]`), separated by commas',
    read(env) {
      const list = (env.LOGSTREAM_WS_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter((o) => o.length > 0);
      for (const origin of list) {
        if (!ORIGIN.test(origin)) {
          throw new ConfigError('LOGSTREAM_WS_ALLOWED_ORIGINS', `not an origin: ${JSON.stringify(origin)}`);
        }
      }
      return list;
    },
  }),

  // Local stack
  LOGSTREAM_LOCAL_STACK: custom<'auto' | boolean>('LOGSTREAM_LOCAL_STACK', {
    section: 'localStack',
    meaning:
      '`npm start` runs its own Temporal dev server and AWS emulator: `auto` when neither `TEMPORAL_ADDRESS` nor ' +
      '`AWS_ENDPOINT_URL` is set and `LOGSTREAM_AWS` is not `real`',
    default: '`auto`',
    range: '`auto`, `1` or `0`',
    read(env) {
      const value = env.LOGSTREAM_LOCAL_STACK ?? 'auto';
      return value === 'auto' || value === '' ? 'auto' : flagValue('LOGSTREAM_LOCAL_STACK', value);
    },
  }),
  LOGSTREAM_DEMO: flag('LOGSTREAM_DEMO', {
    section: 'localStack',
    meaning: "`npm start` launches and tails a demo execution (`0` = don't)",
    default: true,
  }),
  LOGSTREAM_EMULATOR_PORT: integer('LOGSTREAM_EMULATOR_PORT', {
    section: 'localStack',
    meaning: 'loopback port of the local AWS emulator (CloudWatch Logs, DynamoDB, Kinesis)',
    default: 4566,
    min: 1,
    max: 65535,
  }),
  LOGSTREAM_TEMPORAL_UI_PORT: integer('LOGSTREAM_TEMPORAL_UI_PORT', {
    section: 'localStack',
    meaning: 'Temporal Web UI port of the local dev server',
    default: 8233,
    min: 1,
    max: 65535,
  }),
  LOGSTREAM_STRICT_AWS: flag('LOGSTREAM_STRICT_AWS', {
    section: 'localStack',
    meaning: 'the strict AWS layer in front of the local emulator (`0` = off)',
    default: true,
  }),
  LOGSTREAM_DATA_DIR: text('LOGSTREAM_DATA_DIR', {
    section: 'localStack',
    meaning: "`npm start`'s state: Temporal's SQLite file, the emulator's request recording, the process log",
    default: '.data',
    range: 'a directory',
  }),

  // AWS
  LOGSTREAM_AWS: choice('LOGSTREAM_AWS', {
    section: 'aws',
    meaning:
      '`local`: AWS calls go to `AWS_ENDPOINT_URL`, else the local emulator; AWS credentials or a profile in the ' +
      "shell change nothing. `real`: the AWS SDK's endpoint and credential chain",
    values: ['local', 'real'],
    default: 'local',
    error: () => 'must be local or real',
  }),
  AWS_ENDPOINT_URL: custom<string | undefined>('AWS_ENDPOINT_URL', {
    section: 'aws',
    meaning:
      "the standard AWS SDK setting; unset = the local emulator (with `LOGSTREAM_AWS=real`: AWS's endpoint for the " +
      'Region)',
    default: "the emulator's URL",
    range: 'an http(s) URL',
    read(env) {
      const value = raw(env, 'AWS_ENDPOINT_URL');
      if (value !== undefined && !HTTP_URL.test(value))
        throw new ConfigError('AWS_ENDPOINT_URL', 'must be an http(s) URL');
      return value;
    },
  }),
  AWS_REGION: pattern('AWS_REGION', {
    section: 'aws',
    meaning: 'the standard AWS SDK setting',
    default: 'us-east-1',
    pattern: /^[a-z0-9-]{4,32}$/,
    range: 'a Region name',
  }),
  LOGSTREAM_TABLE: pattern('LOGSTREAM_TABLE', {
    section: 'aws',
    meaning: 'the DynamoDB table of the logs',
    default: 'logstream-execution-logs',
    pattern: /^[A-Za-z0-9_.-]{3,255}$/,
    range: '3–255 of `A-Z a-z 0-9 _ . -`',
  }),
  LOGSTREAM_LOG_GROUP: pattern('LOGSTREAM_LOG_GROUP', {
    section: 'aws',
    meaning: 'the CloudWatch log group of managed executions',
    default: '/logstream/executions',
    pattern: /^[A-Za-z0-9_./#-]{1,512}$/,
    range: '1–512 of `A-Z a-z 0-9 _ . / # -`',
  }),
  LOGSTREAM_PROVISION: flag('LOGSTREAM_PROVISION', {
    section: 'aws',
    meaning:
      'standalone processes create the table, log group, stream and filter when missing (`0` = leave them to a ' +
      'deployment, e.g. the CDK app, whose task roles allow no creation)',
    default: true,
  }),

  // Temporal
  TEMPORAL_ADDRESS: external('TEMPORAL_ADDRESS', {
    section: 'temporal',
    meaning: 'Temporal frontend',
    default: '`127.0.0.1:7233`',
    range: '`HOST:PORT`, port 1–65535',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_NAMESPACE: external('TEMPORAL_NAMESPACE', {
    section: 'temporal',
    meaning: 'Temporal namespace',
    default: '`default`',
    range: '1–255 of `A-Z a-z 0-9 _ . -`',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_PROFILE: external('TEMPORAL_PROFILE', {
    section: 'temporal',
    meaning: 'the profile of `temporal.toml` to read',
    default: '`default`',
    range: 'a profile of the file',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_CONFIG_FILE: external('TEMPORAL_CONFIG_FILE', {
    section: 'temporal',
    meaning: 'the `temporal.toml` to read',
    default: '`~/.config/temporalio/temporal.toml`',
    range: 'a file',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_API_KEY: external('TEMPORAL_API_KEY', {
    section: 'temporal',
    meaning: 'API key sent to Temporal (turns TLS on)',
    default: 'unset',
    range: 'printable ASCII without spaces',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_TLS: external('TEMPORAL_TLS', {
    section: 'temporal',
    meaning: 'TLS on or off (an API key needs it on)',
    default: 'off, on with an API key',
    range: '`1` or `true` (on); anything else is off',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_TLS_CLIENT_CERT_PATH: external('TEMPORAL_TLS_CLIENT_CERT_PATH', {
    section: 'temporal',
    meaning: 'client certificate for mTLS (with `TEMPORAL_TLS_CLIENT_KEY_PATH`)',
    default: 'unset',
    range: 'a PEM file',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_TLS_CLIENT_KEY_PATH: external('TEMPORAL_TLS_CLIENT_KEY_PATH', {
    section: 'temporal',
    meaning: 'client key for mTLS (with `TEMPORAL_TLS_CLIENT_CERT_PATH`)',
    default: 'unset',
    range: 'a PEM file',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: external('TEMPORAL_TLS_SERVER_CA_CERT_PATH', {
    section: 'temporal',
    meaning: "CA certificate the server's certificate is checked against",
    default: "the system's roots",
    range: 'a PEM file',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_TLS_SERVER_NAME: external('TEMPORAL_TLS_SERVER_NAME', {
    section: 'temporal',
    meaning: 'server name the certificate is checked for',
    default: "the address's host",
    range: 'a host name',
    readBy: '@temporalio/envconfig',
  }),
  TEMPORAL_GRPC_META_: external('TEMPORAL_GRPC_META_*', {
    section: 'temporal',
    meaning: 'gRPC metadata sent with every call (`TEMPORAL_GRPC_META_X_KEY` sends `x-key`)',
    default: 'none',
    range: 'header values',
    readBy: '@temporalio/envconfig',
  }),
  LOGSTREAM_TASK_QUEUE: pattern('LOGSTREAM_TASK_QUEUE', {
    section: 'temporal',
    meaning: "the task queue of logstream's workflows and activities (the plugin runs a worker on it)",
    default: 'logstream',
    pattern: /^[A-Za-z0-9_.-]{1,255}$/,
    range: '1–255 of `A-Z a-z 0-9 _ . -`',
  }),

  // Ingest, seal and retention
  LOGSTREAM_INGEST: choice('LOGSTREAM_INGEST', {
    section: 'ingest',
    meaning:
      "how new executions are ingested: `auto` (push when the log group has logstream's subscription filter, else " +
      'poll), `push` or `poll`; provisioning creates the stream and the filter unless `poll`',
    values: ['auto', 'push', 'poll'],
    default: 'auto',
    error: (value) => `must be auto, push or poll, got ${JSON.stringify(value)}`,
  }),
  LOGSTREAM_SETTLE_MS: integer('LOGSTREAM_SETTLE_MS', {
    section: 'ingest',
    // AWS surfaces most events within seconds but can lag; the emulator has no lag at all.
    meaning: 'how long the final drain waits past `completedAt` for late events',
    default: { emulator: 2000, aws: 30_000 },
    min: 0,
    max: 3_600_000,
  }),
  LOGSTREAM_FILTER_READS_PER_SECOND: integer('LOGSTREAM_FILTER_READS_PER_SECOND', {
    section: 'ingest',
    meaning:
      "FilterLogEvents calls per second that all of logstream's processes take together for the seal's proofs " +
      "(the account's quota is 5, shared with people, and cannot be raised)",
    default: 2,
    min: 1,
    max: 100,
  }),
  LOGSTREAM_TTL_DAYS: integer('LOGSTREAM_TTL_DAYS', {
    section: 'ingest',
    meaning: "log retention after completion (counted from the seal's max(completion, seal time))",
    default: 7,
    min: 1,
    max: 3650,
  }),
  LOGSTREAM_MAX_RUN_HOURS: integer('LOGSTREAM_MAX_RUN_HOURS', {
    section: 'ingest',
    meaning: 'longest run of a command',
    default: 24,
    min: 1,
    max: 24 * 365,
  }),
  LOGSTREAM_UNSEALED_TTL_DAYS: integer('LOGSTREAM_UNSEALED_TTL_DAYS', {
    section: 'ingest',
    meaning:
      "how long past retention an unsealed log's items live after their write (see Retention in " +
      'docs/architecture.md); must exceed `LOGSTREAM_MAX_RUN_HOURS` by a day',
    default: 30,
    min: 1,
    max: 3650,
  }),
  LOGSTREAM_POLL_MIN_MS: integer('LOGSTREAM_POLL_MIN_MS', {
    section: 'ingest',
    meaning: "ingest poll interval while lines flow (and a tail's)",
    default: 100,
    min: 10,
    max: 60_000,
  }),
  LOGSTREAM_POLL_MAX_MS: integer('LOGSTREAM_POLL_MAX_MS', {
    section: 'ingest',
    meaning: 'ingest poll interval when idle',
    default: 2000,
    min: 10,
    max: 600_000,
  }),
  LOGSTREAM_HEARTBEAT_TIMEOUT_MS: integer('LOGSTREAM_HEARTBEAT_TIMEOUT_MS', {
    section: 'ingest',
    meaning: "how fast a lost worker's ingest or drain is retried elsewhere",
    default: 20_000,
    min: 1000,
    max: 600_000,
  }),
  LOGSTREAM_COMMAND_HEARTBEAT_TIMEOUT_MS: integer('LOGSTREAM_COMMAND_HEARTBEAT_TIMEOUT_MS', {
    section: 'ingest',
    meaning: 'heartbeat timeout of the command runner: the longest Temporal outage a running job survives',
    default: 120_000,
    min: 1000,
    max: 3_600_000,
  }),

  // Push ingest
  LOGSTREAM_KINESIS_STREAM: pattern('LOGSTREAM_KINESIS_STREAM', {
    section: 'push',
    meaning: 'the Kinesis Data Stream the subscription filter delivers to',
    default: DEFAULT_KINESIS_STREAM,
    pattern: KINESIS_STREAM_NAME,
    range: '1–128 of `A-Z a-z 0-9 _ . -`',
  }),
  LOGSTREAM_KINESIS_SHARDS: custom<StreamCapacityValue>('LOGSTREAM_KINESIS_SHARDS', {
    section: 'push',
    meaning: 'capacity of the stream provisioning creates (an existing stream keeps its own)',
    default: '`on-demand` on AWS, `1` on the emulator (which has no on-demand scaling)',
    range: '`on-demand` or 1–500 shards',
    read(env, context) {
      const value = env.LOGSTREAM_KINESIS_SHARDS;
      if (value === 'on-demand') return value;
      if (value === undefined || value === '') return context?.localAws ? 1 : 'on-demand';
      if (!/^\d+$/.test(value)) {
        throw new ConfigError(
          'LOGSTREAM_KINESIS_SHARDS',
          `must be on-demand or a whole number, got ${JSON.stringify(value)}`,
        );
      }
      const shards = Number(value);
      if (shards < 1 || shards > 500) throw new ConfigError('LOGSTREAM_KINESIS_SHARDS', 'must be between 1 and 500');
      return shards;
    },
  }),
  LOGSTREAM_SUBSCRIPTION_ROLE_ARN: custom<string | undefined>('LOGSTREAM_SUBSCRIPTION_ROLE_ARN', {
    section: 'push',
    meaning:
      'the IAM role CloudWatch Logs assumes to write to the stream (provisioning the filter on AWS needs it; the ' +
      'emulator checks none)',
    default: 'a dummy on the emulator; unset on AWS',
    range: 'an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)',
    read(env, context) {
      const value = env.LOGSTREAM_SUBSCRIPTION_ROLE_ARN;
      if (value === undefined || value === '') return context?.localAws ? LOCAL_SUBSCRIPTION_ROLE_ARN : undefined;
      if (!ROLE_ARN.test(value)) {
        throw new ConfigError(
          'LOGSTREAM_SUBSCRIPTION_ROLE_ARN',
          `must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got ${JSON.stringify(value)}`,
        );
      }
      return value;
    },
  }),
  LOGSTREAM_PUSH_HOLD_MS: integer('LOGSTREAM_PUSH_HOLD_MS', {
    section: 'push',
    // The emulator's tests and demo want lines stored promptly; on AWS, fewer writes matter more.
    meaning:
      'longest the forwarder holds back the lines of an execution no tail or drain waits for, to store them in ' +
      'bigger chunks (`0`: never)',
    default: { emulator: 1000, aws: 20_000 },
    min: 0,
    max: 600_000,
  }),
  LOGSTREAM_FORWARDER: flag('LOGSTREAM_FORWARDER', {
    section: 'push',
    meaning: 'the worker runs the shard forwarders (`0` = no)',
    default: true,
  }),

  // Processes
  LOGSTREAM_WORKER_MAX_ACTIVITIES: integer('LOGSTREAM_WORKER_MAX_ACTIVITIES', {
    section: 'processes',
    meaning: 'activities one worker runs at once',
    default: 1000,
    min: 1,
    max: 100_000,
  }),
  LOG_LEVEL: choice('LOG_LEVEL', {
    section: 'processes',
    meaning: "level of the processes' own logs (JSON lines on stderr, or in `LOGSTREAM_LOG_FILE`) and the worker's",
    values: LOG_LEVELS,
    default: 'info',
    error: () => `must be one of ${LOG_LEVELS.join(', ')}`,
    lowerCase: true,
  }),
  LOGSTREAM_LOG_FILE: optionalText('LOGSTREAM_LOG_FILE', {
    section: 'processes',
    meaning: "the processes' JSON logs go here instead of stderr",
    default: 'unset (`npm start`: `<data dir>/logstream.log`)',
    range: 'a file',
  }),

  // Development
  LOGSTREAM_CHROMIUM: external('LOGSTREAM_CHROMIUM', {
    section: 'development',
    meaning: 'the Chromium or Chrome the browser tests and the web bench drive',
    default: 'first of `chromium`, `chromium-browser`, `google-chrome-stable`, `google-chrome` on PATH',
    range: 'an executable',
    readBy: 'the test suite and the toolchain script',
  }),
} as const;

/** The settings in the documentation's order: by section, then as declared. */
export function settingsBySection(): ReadonlyArray<{
  readonly id: SectionId;
  readonly settings: readonly SettingDoc[];
}> {
  const all: readonly SettingDoc[] = Object.values(SETTINGS);
  return (Object.keys(SECTIONS) as SectionId[]).map((id) => ({ id, settings: all.filter((s) => s.section === id) }));
}
