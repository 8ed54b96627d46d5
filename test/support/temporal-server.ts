// A Temporal dev server of a test's own, on free ports and its own SQLite file, that the test can SIGKILL and start
// again on the same port and file (the shared stack's server is in-memory and must not be disturbed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../../src/adapters/temporal/provision';
import { findFreePort, LOCAL_SEARCH_ATTRIBUTES } from '../../src/devstack/local-stack';
import { toolchainPaths } from '../../src/devstack/toolchain';
import { waitFor } from './harness';
import { withParentDeathSignal } from './parent-death';

/** A restartable Temporal dev server keeping its state in a SQLite file. */
export interface TemporalDevServer {
  /** host:port of the frontend, the same across restarts. */
  readonly address: string;
  readonly dbFile: string;
  /** OS pid of the running server (-1 while it is down). */
  readonly pid: number;
  /** SIGKILL, as a crashed host would: no flush, no goodbye. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and SQLite file; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops the server and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;

/** Resolves once the frontend answers gRPC and knows the default namespace. */
async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.withDeadline(Date.now() + 2_000, async () => {
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    });
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts a dev server on free ports with a fresh SQLite file in a temporary directory. */
export async function startTemporalDevServer(): Promise<TemporalDevServer> {
  const temporal = toolchainPaths().temporal;
  const port = await findFreePort(HOST);
  const address = `${HOST}:${port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-temporal-'));
  const dbFile = path.join(dir, 'temporal.db');
  const args = [
    ...['server', 'start-dev', '--ip', HOST, '--port', String(port), '--headless'],
    ...['--namespace', 'default', '--log-level', 'warn', '--db-filename', dbFile],
    ...Object.entries(LOCAL_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async (): Promise<void> => {
    const [file, argv] = withParentDeathSignal(temporal, args);
    const proc = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let gone = false;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        gone = true;
        resolve();
      });
      proc.once('error', () => {
        gone = true;
        resolve();
      });
    });
    const ready = await waitFor(
      `Temporal dev server on ${address}`,
      async () => (gone ? 'exited' : (await answers(address)) || undefined),
      READY_TIMEOUT_MS,
    );
    if (ready === 'exited') throw new Error(`the Temporal dev server exited before it was ready:\n${output}`);
    // A server started on an existing file keeps the attributes it had: make sure they are there.
    await ensureSearchAttributes(address, 'default', LOCAL_SEARCH_ATTRIBUTES);
  };

  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const escalate = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(escalate);
      child = undefined;
    }
  };

  await launch();
  let stopping: Promise<void> | undefined;
  return {
    address,
    dbFile,
    get pid() {
      return child?.pid ?? -1;
    },
    kill: () => signalAndWait('SIGKILL'),
    restart: async () => {
      if (child !== undefined) throw new Error('the Temporal dev server is still running: kill it first');
      await launch();
    },
    stop: () =>
      (stopping ??= (async () => {
        await signalAndWait('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
