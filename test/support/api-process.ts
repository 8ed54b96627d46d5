// The API server (src/main/server.ts, as it runs in production) in a child process of its own, on a fixed port,
// so a test can stop it (SIGTERM: graceful, sockets closed with 1001) or kill it (SIGKILL: sockets just drop) and
// start it again on the same port while clients are connected.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../../src/devstack/local-stack';
import { waitFor } from './harness';
import { withParentDeathSignal } from './parent-death';

/** A restartable API process. */
export interface ApiProcess {
  /** Base URL, the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the process again on the same port; resolves once it answers /healthz. */
  restart(): Promise<void>;
}

const SERVER_ENTRY = path.join(__dirname, '..', '..', 'src', 'main', 'server.ts');
const READY_TIMEOUT_MS = 90_000;

async function healthy(url: string): Promise<true | undefined> {
  const response = await fetch(`${url}/healthz`);
  return response.ok ? true : undefined;
}

/** Starts the API in a child process with `env` added to this process's environment (Temporal/AWS of the stack). */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await findFreePort('127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const childEnv = { ...process.env, ...env, LOGSTREAM_HOST: '127.0.0.1', LOGSTREAM_PORT: String(port) };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const [file, argv] = withParentDeathSignal(process.execPath, ['--import', 'tsx', SERVER_ENTRY]);
    const proc = spawn(file, argv, {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = proc;
    let gone = false;
    exited = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        gone = true;
        resolve();
      }),
    );
    const ready = await waitFor(
      `the API process on ${url}`,
      async () => (gone ? 'exited' : healthy(url)),
      READY_TIMEOUT_MS,
    );
    if (ready === 'exited') throw new Error(`the API process exited before it was ready (code ${proc.exitCode})`);
  };

  await launch();
  return {
    url,
    port,
    stop: async (signal = 'SIGTERM') => {
      const proc = child;
      child = undefined;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      // A graceful stop that hangs is a finding of its own, but must not leave the process behind.
      const escalate = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      try {
        await exited;
      } finally {
        clearTimeout(escalate);
      }
    },
    restart: async () => {
      if (child !== undefined) throw new Error('the API process is still running: stop it first');
      await launch();
    },
  };
}
