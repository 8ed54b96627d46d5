import type { StreamCapacity } from '../adapters/kinesis/provision';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureLogGroup } from '../adapters/cloudwatch/provision';
import { ensureLogTable } from '../adapters/dynamodb/provision';
import { createKinesisClient } from '../adapters/kinesis/kinesis-client';
import { ensureSearchAttributes } from '../adapters/temporal/provision';
import { DEFAULT_KINESIS_STREAM, LOCAL_SUBSCRIPTION_ROLE_ARN } from '../config';
import { ExecutableUnusableError, ServiceStartError } from './errors';
import { ManagedProcess } from './managed-process';
import { assertPortFree, findFreePort, urlHost } from './ports';
import { dynamodbRecordingOf } from './aws-recording';
import { motoProbe, strictAwsProbe, temporalProbe, waitUntilReady } from './probes';
import { ensurePushDelivery } from '../compose/push-provisioning';
import { startStrictAwsProcess } from './strict-aws/process';
import { botocoreDataDirOf, repoRoot, toolchainPaths } from './toolchain';

export { findFreePort } from './ports';

/** Where and how to run the local stack (Temporal dev server + moto AWS emulator). */
export interface LocalStackOptions {
  temporalPort: number;
  temporalUiPort: number;
  emulatorPort: number;
  /** Bind address of all services; default 127.0.0.1. */
  host?: string;
  /** Temporal SQLite file so executions survive restarts; undefined = in-memory. */
  dbFile?: string;
  tableName: string;
  logGroup: string;
  region: string;
  /** Per-service readiness budget; default 60000. */
  readyTimeoutMs?: number;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /**
   * The strict AWS layer (default true): moto listens on a private port and a proxy enforcing AWS's contract serves
   * `emulatorPort`; false = moto itself on `emulatorPort`.
   */
  strictAws?: boolean;
  /**
   * Push ingest (default true): a Kinesis stream and logstream's subscription filter on the log group; false is
   * `LOGSTREAM_INGEST=poll`.
   */
  push?: boolean;
  /** The Kinesis stream (default `logstream-log-events`) and the capacity it is created with (default 1 shard). */
  kinesisStream?: string;
  kinesisShards?: StreamCapacity;
  /**
   * The executables to run; default: the toolchain's (`.tools/` of this checkout). `temporal` is the Temporal CLI,
   * `python` a Python with `moto[server]` installed (its botocore also gives the strict layer AWS's models).
   */
  executables?: LocalStackExecutables;
  /**
   * Records every request the emulators serve into this file, for a later start to replay (see
   * `prepareAwsRecording`); DynamoDB's own emulator records beside it (see `dynamodbRecordingOf`). Default: no
   * recording.
   */
  recordingFile?: string;
}

/** Where the local stack's executables are: nothing is downloaded. */
export interface LocalStackExecutables {
  readonly temporal: string;
  readonly python: string;
}

/** A running local stack; `stop()` is idempotent and resolves once every child has exited. */
export interface LocalStack {
  temporalAddress: string;
  temporalUiUrl: string;
  awsEndpoint: string;
  /**
   * The emulator itself, behind the strict layer when that is on (else `awsEndpoint`): for observers, such as a
   * benchmark reading the Kinesis stream beside the forwarder, that must not count against the layer's quotas.
   */
  emulatorEndpoint: string;
  /** OS process ids of the children, for diagnostics and orphan checks. */
  readonly pids: {
    readonly temporal: number;
    readonly emulator: number;
    /** DynamoDB's own emulator, behind the strict layer (without it, `emulator` serves DynamoDB too). */
    readonly dynamodbEmulator?: number;
    readonly strictAws?: number;
  };
  stop(): Promise<void>;
}

/** Custom search attributes registered on the dev server (the workflow upserts them). */
export const LOCAL_SEARCH_ATTRIBUTES: Readonly<Record<string, string>> = {
  LogstreamStatus: 'Keyword',
  CompletedAt: 'Datetime',
};

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Temporal flushes SQLite and stops its services on SIGTERM; this is ample for that. */
const STOP_GRACE_MS = 5_000;
const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Starts the moto AWS emulator (behind the strict AWS layer unless `strictAws` is false) and the Temporal dev server
 * as child processes, waits until they answer, and creates the log group and log table. On any failure, whatever
 * was started is stopped before the error propagates.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const host = opts.host ?? DEFAULT_HOST;
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const log = opts.log ?? (() => undefined);

  await assertPortFree(host, opts.temporalPort, 'TEMPORAL_ADDRESS');
  await assertPortFree(host, opts.temporalUiPort, 'LOGSTREAM_TEMPORAL_UI_PORT');
  await assertPortFree(host, opts.emulatorPort, 'LOGSTREAM_EMULATOR_PORT');

  const tools = opts.executables ?? toolchainPaths();
  const temporalAddress = `${urlHost(host)}:${opts.temporalPort}`;
  const temporalUiUrl = `http://${urlHost(host)}:${opts.temporalUiPort}`;
  const awsEndpoint = `http://${urlHost(host)}:${opts.emulatorPort}`;

  const temporalArgs = [
    ...['server', 'start-dev', '--ip', host, '--port', String(opts.temporalPort)],
    ...['--ui-port', String(opts.temporalUiPort), '--namespace', 'default', '--log-level', 'warn'],
    ...Object.entries(LOCAL_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (opts.dbFile !== undefined) {
    mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    temporalArgs.push('--db-filename', opts.dbFile);
  }

  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((proc) => proc.stop(STOP_GRACE_MS)));
  };

  try {
    const strictAws = opts.strictAws ?? true;
    const motoPort = strictAws ? await findFreePort(host) : opts.emulatorPort;
    const motoEndpoint = `http://${urlHost(host)}:${motoPort}`;
    log(`starting AWS emulator (moto) on ${motoEndpoint}`);
    // moto runs boto3, which refuses to start on a profile this machine does not define: a user's AWS_PROFILE
    // (most AWS users have one in their shell) must not reach it, and the emulator needs none.
    const hideProfiles = ['-u', 'AWS_PROFILE', '-u', 'AWS_DEFAULT_PROFILE'];
    // moto_server through the launcher that keeps its CloudWatch -> Kinesis delivery to AWS's contract.
    const launcher = path.join(repoRoot(), 'src', 'devstack', 'moto_launcher');
    // moto's recorder, when asked for: each emulator process writes a file of its own.
    const recorder = (file: string | undefined): string[] =>
      file === undefined ? [] : ['MOTO_ENABLE_RECORDING=true', `MOTO_RECORDER_FILEPATH=${file}`];
    const emulatorArgs = [
      ...hideProfiles,
      ...recorder(opts.recordingFile),
      ...[tools.python, launcher, '-H', host, '-p', String(motoPort)],
    ];
    const emulator = new ManagedProcess('aws-emulator (moto_server)', 'env', emulatorArgs);
    started.push(emulator);
    let proxy: ManagedProcess | undefined;
    let dynamodbEmulator: { readonly process: ManagedProcess; readonly endpoint: string } | undefined;
    if (strictAws) {
      // DynamoDB in an emulator process of its own, as it is a service of its own on AWS: in one process, each of
      // its calls would wait behind CloudWatch's and Kinesis's (one interpreter lock serves them all).
      const dynamodbPort = await findFreePort(host);
      const endpoint = `http://${urlHost(host)}:${dynamodbPort}`;
      log(`starting DynamoDB's emulator (moto) on ${endpoint}`);
      const recording = opts.recordingFile === undefined ? undefined : dynamodbRecordingOf(opts.recordingFile);
      dynamodbEmulator = {
        endpoint,
        process: new ManagedProcess('aws-emulator for DynamoDB (moto_server)', 'env', [
          ...hideProfiles,
          ...recorder(recording),
          ...[tools.python, launcher, '-H', host, '-p', String(dynamodbPort)],
        ]),
      };
      started.push(dynamodbEmulator.process);
      log(`starting the strict AWS layer on ${awsEndpoint}`);
      proxy = startStrictAwsProcess({
        host,
        port: opts.emulatorPort,
        upstreamPort: motoPort,
        dynamodbUpstreamPort: dynamodbPort,
        ...(opts.executables ? { botocoreData: botocoreDataOf(opts.executables.python) } : {}),
      });
      started.push(proxy);
    }
    // The emulator is bound before Temporal starts: the dev server picks random free ports for its
    // metrics and HTTP API, and must not take the emulator's port in between.
    await waitUntilReady(emulator, () => motoProbe(motoEndpoint), readyTimeoutMs);
    if (dynamodbEmulator !== undefined) {
      const { endpoint } = dynamodbEmulator;
      await waitUntilReady(dynamodbEmulator.process, () => motoProbe(endpoint), readyTimeoutMs);
    }
    if (proxy) await waitUntilReady(proxy, () => strictAwsProbe(awsEndpoint), readyTimeoutMs);
    log(`starting Temporal dev server on ${temporalAddress} (UI ${temporalUiUrl}, ${opts.dbFile ?? 'in-memory'})`);
    const temporal = new ManagedProcess('temporal (server start-dev)', tools.temporal, temporalArgs);
    started.push(temporal);
    await waitUntilReady(temporal, () => temporalProbe(host, opts.temporalPort), readyTimeoutMs);
    log('Temporal and AWS emulator are ready');
    await ensureSearchAttributes(temporalAddress, 'default', LOCAL_SEARCH_ATTRIBUTES);

    const clientConfig = { endpoint: awsEndpoint, region: opts.region, credentials: DUMMY_CREDENTIALS };
    const logs = new CloudWatchLogsClient(clientConfig);
    const dynamodb = new DynamoDBClient(clientConfig);
    const kinesis = createKinesisClient(clientConfig);
    const kinesisStream = opts.kinesisStream ?? DEFAULT_KINESIS_STREAM;
    try {
      await ensureLogGroup(logs, opts.logGroup);
      await ensureLogTable(dynamodb, opts.tableName);
      await ensurePushDelivery(
        { cloudwatch: logs, kinesis },
        {
          ingest: (opts.push ?? true) ? 'push' : 'poll',
          logGroup: opts.logGroup,
          kinesisStream,
          kinesisShards: opts.kinesisShards ?? 1,
          subscriptionRoleArn: LOCAL_SUBSCRIPTION_ROLE_ARN,
          awsRegion: opts.region,
        },
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ServiceStartError(emulator.service, `provisioning failed: ${message}`, emulator.tail(), err);
    } finally {
      logs.destroy();
      dynamodb.destroy();
      kinesis.destroy();
    }
    const pushed = (opts.push ?? true) ? `, Kinesis stream ${kinesisStream} with its subscription filter` : '';
    log(`log group ${opts.logGroup} and table ${opts.tableName}${pushed} are ready`);

    let stopping: Promise<void> | undefined;
    return {
      temporalAddress,
      temporalUiUrl,
      awsEndpoint,
      emulatorEndpoint: motoEndpoint,
      pids: {
        temporal: temporal.pid,
        emulator: emulator.pid,
        ...(dynamodbEmulator ? { dynamodbEmulator: dynamodbEmulator.process.pid } : {}),
        ...(proxy ? { strictAws: proxy.pid } : {}),
      },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function botocoreDataOf(python: string): string {
  const dir = botocoreDataDirOf(python);
  if (dir === undefined)
    throw new ExecutableUnusableError('python', python, 'has no botocore: install moto[server] into it');
  return dir;
}
