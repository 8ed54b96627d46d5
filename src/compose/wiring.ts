import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Client, Connection } from '@temporalio/client';
import pino, { type DestinationStream, type Logger } from 'pino';
import { CloudWatchLogSource } from '../adapters/cloudwatch/cloudwatch-log-source';
import { DynamoDbLogStore } from '../adapters/dynamodb/dynamodb-log-store';
import { DynamoDbPushRegistry } from '../adapters/dynamodb/dynamodb-push-registry';
import { DynamoDbReadBudget } from '../adapters/dynamodb/dynamodb-read-budget';
import { createKinesisClient } from '../adapters/kinesis/kinesis-client';
import { KinesisShardSource } from '../adapters/kinesis/kinesis-shard-source';
import { temporalConnectionOptions } from '../adapters/temporal/connection-options';
import { TemporalExecutionDirectory } from '../adapters/temporal/temporal-execution-directory';
import { ensureLogGroup } from '../adapters/cloudwatch/provision';
import { ensureLogTable } from '../adapters/dynamodb/provision';
import { loadConfig, type Config } from '../config';
import type { CallObserver, LogAudit, PushRegistry, ReadBudget, ShardSource } from '../ports';
import type { ExecutionTimings } from '../../workflows/messages';
import { ensurePushDelivery, type PushProvisioning } from './push-provisioning';
import { asUnreachable, assertReachable, endpointsOf } from './reachability';

/** The AWS-facing adapters of one process. */
export interface AwsAdapters {
  readonly store: DynamoDbLogStore;
  readonly source: CloudWatchLogSource;
  /** Where the subscription filter delivers (push ingest). */
  readonly shards: ShardSource;
  /** Push ingest's routes and shard progress (in the log table). */
  readonly registry: PushRegistry;
  /** The CloudWatch reads push ingest needs (the same CloudWatch source). */
  readonly audit: LogAudit;
  /** The account-wide budget of FilterLogEvents calls, shared by every process through the log table. */
  readonly readBudget: ReadBudget;
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchLogsClient;
  readonly kinesis: KinesisClient;
  destroy(): void;
}

/** Builds the DynamoDB store, the CloudWatch source and the Kinesis shard source from the configuration. */
export function createAwsAdapters(config: Config, observe?: CallObserver): AwsAdapters {
  const base = {
    region: config.awsRegion,
    endpoint: config.awsEndpoint,
    // The emulator accepts any credentials; real AWS uses the SDK's default chain.
    credentials: config.localAws ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined,
    maxAttempts: 4,
  };
  // Bursts of WebSocket upgrades and first /logs calls run many requests at once; the SDK's
  // default of 50 sockets would queue them.
  const common = { ...base, requestHandler: { httpAgent: { maxSockets: 256 }, httpsAgent: { maxSockets: 256 } } };
  const dynamodb = new DynamoDBClient(common);
  const cloudwatch = new CloudWatchLogsClient(common);
  const kinesis = createKinesisClient(base, 256);
  // PutLogEvents is not retried by the SDK: the runner retries it itself and knows which writes may be stored twice.
  const cloudwatchWrites = new CloudWatchLogsClient({ ...common, maxAttempts: 1 });
  const source = new CloudWatchLogSource({
    client: cloudwatch,
    writeClient: cloudwatchWrites,
    observe,
    kinesisStream: config.kinesisStream,
  });
  // Items of a log not yet sealed expire in the end (a terminated workflow's log is never sealed).
  const unsealedTtlSeconds = (config.unsealedTtlDays + config.ttlDays) * 86_400;
  return {
    store: new DynamoDbLogStore({ client: dynamodb, tableName: config.table, observe, unsealedTtlSeconds }),
    source,
    registry: new DynamoDbPushRegistry({ client: dynamodb, tableName: config.table, observe, unsealedTtlSeconds }),
    shards: new KinesisShardSource({ client: kinesis, observe }),
    audit: source,
    readBudget: new DynamoDbReadBudget({
      client: dynamodb,
      tableName: config.table,
      callsPerSecond: config.filterReadsPerSecond,
      observe,
    }),
    dynamodb,
    cloudwatch,
    kinesis,
    destroy: () => {
      dynamodb.destroy();
      cloudwatch.destroy();
      cloudwatchWrites.destroy();
      kinesis.destroy();
    },
  };
}

/** Timings every new execution gets. */
export function executionTimings(config: Config): ExecutionTimings {
  return {
    settleMs: config.settleMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    commandTimeoutMs: config.maxRunHours * 3600_000,
    commandHeartbeatTimeoutMs: config.commandHeartbeatTimeoutMs,
  };
}

/** A Temporal client and the directory on top of it. */
export async function createDirectory(
  config: Config,
): Promise<{ directory: TemporalExecutionDirectory; connection: Connection; client: Client }> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal, config.temporalAddress));
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const directory = new TemporalExecutionDirectory({
    client,
    taskQueue: config.taskQueue,
    timings: executionTimings(config),
    apiUrl: config.apiUrl,
    // Only push ingest needs a stream routed before its job writes: polled executions answer at once.
    registrationWaitMs: config.ingest === 'poll' ? 0 : 10_000,
  });
  return { directory, connection, client };
}

const logFiles = new Map<string, DestinationStream>();

/**
 * The process logger: JSON lines on stderr (stdout stays free for what the CLI prints), or appended to
 * `config.logFile` (`npm start`, so they do not interleave with what it prints for a person).
 */
export function createLogger(name: string, config: Pick<Config, 'logLevel' | 'logFile'>): Logger {
  return pino({ name, level: config.logLevel }, logDestination(config.logFile));
}

function logDestination(file: string | undefined): DestinationStream {
  if (file === undefined) return pino.destination(2);
  let destination = logFiles.get(file);
  if (destination === undefined) {
    // Synchronous: the last lines before an exit must reach the file; processes log little at info.
    destination = pino.destination({ dest: file, mkdir: true, append: true, sync: true });
    logFiles.set(file, destination);
  }
  return destination;
}

/**
 * Creates the log group and the table when missing, and unless `LOGSTREAM_INGEST=poll` the Kinesis stream and the
 * log group's subscription filter (see `ensurePushDelivery`). Idempotent; standalone processes call it at start.
 */
export async function provisionAws(config: Config): Promise<PushProvisioning> {
  const aws = createAwsAdapters(config);
  try {
    await ensureLogGroup(aws.cloudwatch, config.logGroup);
    await ensureLogTable(aws.dynamodb, config.table);
    return await ensurePushDelivery(aws, config);
  } finally {
    aws.destroy();
  }
}

/**
 * Runs a standalone process (API server or worker) from the environment: checks that Temporal and AWS answer,
 * provisions the table and log group (unless `LOGSTREAM_PROVISION=0`), starts it, prints its banner, and stops it on SIGINT/SIGTERM; a start failure
 * exits 1 with one line (an unreachable endpoint is named with its variable and the fix, never a transport trace).
 */
export function runStandalone(
  name: string,
  start: (config: Config) => Promise<{ stop(): Promise<void>; banner: string }>,
): void {
  const fail = (error: unknown): never => {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  };
  let config: Config;
  try {
    // A standalone process never runs the local stack (that is `npm start`), so the user's Temporal profile applies.
    config = loadConfig({ ...process.env, LOGSTREAM_LOCAL_STACK: '0' });
  } catch (error) {
    fail(error);
    return;
  }
  assertReachable(endpointsOf(config, 'standalone'))
    .then(() => (config.provision ? provisionAws(config) : undefined))
    .then((push) => {
      // auto without a subscription role polls every execution: say so once, it costs CloudWatch read quota.
      if (push?.kind === 'skipped' && config.ingest === 'auto') process.stderr.write(`${name}: ${push.reason}\n`);
      return start(config);
    })
    .then(
      (running) => {
        process.stdout.write(`${running.banner}\n`);
        const stop = (): void => void running.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
      (error: unknown) => fail(asUnreachable(error, config, 'standalone')),
    );
}
