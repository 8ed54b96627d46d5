import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Connection } from '@temporalio/client';
import { ensureLogGroup } from '../adapters/cloudwatch/provision';
import { ensureLogTable } from '../adapters/dynamodb/provision';
import { ensureSearchAttributes } from '../adapters/temporal/provision';
import { PortInUseError, ServiceStartError } from './errors';
import { toolchainPaths } from './toolchain';

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
}

/** A running local stack; `stop()` is idempotent and resolves once every child has exited. */
export interface LocalStack {
  temporalAddress: string;
  temporalUiUrl: string;
  awsEndpoint: string;
  /** OS process ids of the children, for diagnostics and orphan checks. */
  readonly pids: { readonly temporal: number; readonly emulator: number };
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
const PROBE_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;
const OUTPUT_LINES_KEPT = 200;
const OUTPUT_LINES_REPORTED = 30;
const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Keeps the last lines a child wrote, so a failure can show them without flooding the terminal otherwise. */
class RecentLines {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    // A child that never ends its line must not grow the buffer without bound.
    if (this.partial.length > 8192) {
      this.add(this.partial);
      this.partial = '';
    }
  }

  tail(count: number): string[] {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-count);
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}

// --- children never outlive this process ------------------------------------------------------------------------
// Every live child is in `liveChildren`. On process exit (normal, process.exit, uncaught exception) they are killed
// synchronously. A signal that nobody else handles would kill Node without an 'exit' event, so while children live we
// listen for it, kill them, and re-raise it. On Linux the children also get PR_SET_PDEATHSIG through setpriv, which
// covers even SIGKILL of this process.

const liveChildren = new Set<ChildProcess>();
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLiveChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the application handles this signal itself (and calls stop()); stay out of its way.
  if (process.listenerCount(signal) > 1) return;
  killLiveChildren();
  uninstallHooks();
  process.kill(process.pid, signal);
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, onSignal);
}

let setprivWorks: boolean | undefined;

/** setpriv (util-linux) can set the parent-death signal before exec'ing the real program; checked once. */
function canUseSetpriv(): boolean {
  if (setprivWorks === undefined) {
    setprivWorks =
      process.platform === 'linux' &&
      spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  }
  return setprivWorks;
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

function describeExit(exit: ExitInfo): string {
  if (exit.error) return `could not be spawned (${exit.error.message})`;
  return exit.signal ? `exited on ${exit.signal}` : `exited with code ${String(exit.code)}`;
}

/** One child process with captured output and a promise of its exit. */
class ManagedProcess {
  readonly output = new RecentLines(OUTPUT_LINES_KEPT);
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly service: string,
    command: string,
    args: readonly string[],
  ) {
    const [file, argv] = canUseSetpriv()
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, [...args]];
    // detached:false keeps the child in our process group, so a terminal's Ctrl-C reaches it too.
    this.child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    this.child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk));
    liveChildren.add(this.child);
    installHooks();
    this.exited = new Promise<ExitInfo>((resolve) => {
      const settle = (info: ExitInfo): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        liveChildren.delete(this.child);
        if (liveChildren.size === 0) uninstallHooks();
        resolve(info);
      };
      this.child.once('exit', (code, signal) => settle({ code, signal }));
      // 'error' without a pid = spawn failed, and no 'exit' will follow.
      this.child.once('error', (error) => {
        if (this.child.pid === undefined) settle({ code: null, signal: null, error });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  tail(): string[] {
    return this.output.tail(OUTPUT_LINES_REPORTED);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process has exited. Idempotent. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exitInfo) return;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }
}

// --- ports and probes --------------------------------------------------------------------------------------------

const handedOutPorts = new Set<number>();

/** A TCP port that is free on `host` right now (never the same one twice in this process). */
export async function findFreePort(host: string = DEFAULT_HOST): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ host, port: 0, exclusive: true }, () => {
        const address = server.address();
        const found = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    // Two calls in a row may get the same ephemeral port back; callers want distinct ones.
    if (port > 0 && !handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
}

async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(host, port, variable, err) : err);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function tcpProbe(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function temporalProbe(host: string, port: number): Promise<void> {
  // A cheap TCP check first: creating gRPC connections to a port nobody listens on is slow and noisy.
  await tcpProbe(host, port);
  const connection = await Connection.connect({
    address: `${urlHost(host)}:${port}`,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  try {
    await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, async () => {
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    });
  } finally {
    await connection.close();
  }
}

/** Answers only when the emulator itself serves the port (its state API returns JSON), not any HTTP server. */
function motoProbe(endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${endpoint}/moto-api/data.json`,
      { agent: false, timeout: PROBE_TIMEOUT_MS },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 64) body += chunk;
        });
        response.once('end', () => {
          if (response.statusCode === 200 && body.trimStart().startsWith('{')) resolve();
          else reject(new Error(`port answers, but not as the AWS emulator (HTTP ${response.statusCode ?? 0})`));
        });
      },
    );
    request.once('timeout', () => request.destroy(new Error(`timeout waiting for ${endpoint}`)));
    request.once('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(proc: ManagedProcess, probe: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc.exitInfo) {
      throw new ServiceStartError(proc.service, `${describeExit(proc.exitInfo)} before it was ready`, proc.tail());
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` (last probe: ${lastError.message})` : '';
      throw new ServiceStartError(proc.service, `not ready after ${timeoutMs} ms${last}`, proc.tail(), lastError);
    }
    await Promise.race([delay(PROBE_INTERVAL_MS), proc.exited]);
  }
}

// --- the stack ---------------------------------------------------------------------------------------------------

/**
 * Starts the Temporal dev server and the moto AWS emulator as child processes, waits until both answer, and creates
 * the log group and log table. On any failure, whatever was started is stopped before the error propagates.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const host = opts.host ?? DEFAULT_HOST;
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const log = opts.log ?? (() => undefined);

  await assertPortFree(host, opts.temporalPort, 'TEMPORAL_ADDRESS');
  await assertPortFree(host, opts.temporalUiPort, 'LOGSTREAM_TEMPORAL_UI_PORT');
  await assertPortFree(host, opts.emulatorPort, 'LOGSTREAM_EMULATOR_PORT');

  const tools = toolchainPaths();
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
    log(`starting AWS emulator (moto) on ${awsEndpoint}`);
    const emulatorArgs = ['-H', host, '-p', String(opts.emulatorPort)];
    const emulator = new ManagedProcess('aws-emulator (moto_server)', tools.moto, emulatorArgs);
    started.push(emulator);
    // The emulator is bound before Temporal starts: the dev server picks random free ports for its
    // metrics and HTTP API, and must not take the emulator's port in between.
    await waitUntilReady(emulator, () => motoProbe(awsEndpoint), readyTimeoutMs);
    log(`starting Temporal dev server on ${temporalAddress} (UI ${temporalUiUrl}, ${opts.dbFile ?? 'in-memory'})`);
    const temporal = new ManagedProcess('temporal (server start-dev)', tools.temporal, temporalArgs);
    started.push(temporal);
    await waitUntilReady(temporal, () => temporalProbe(host, opts.temporalPort), readyTimeoutMs);
    log('Temporal and AWS emulator are ready');
    await ensureSearchAttributes(temporalAddress, 'default', LOCAL_SEARCH_ATTRIBUTES);

    const clientConfig = { endpoint: awsEndpoint, region: opts.region, credentials: DUMMY_CREDENTIALS };
    const logs = new CloudWatchLogsClient(clientConfig);
    const dynamodb = new DynamoDBClient(clientConfig);
    try {
      await ensureLogGroup(logs, opts.logGroup);
      await ensureLogTable(dynamodb, opts.tableName);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ServiceStartError(
        emulator.service,
        `provisioning log group/table failed: ${message}`,
        emulator.tail(),
        err,
      );
    } finally {
      logs.destroy();
      dynamodb.destroy();
    }
    log(`log group ${opts.logGroup} and table ${opts.tableName} are ready`);

    let stopping: Promise<void> | undefined;
    return {
      temporalAddress,
      temporalUiUrl,
      awsEndpoint,
      pids: { temporal: temporal.pid, emulator: emulator.pid },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
