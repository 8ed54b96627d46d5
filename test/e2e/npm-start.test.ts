import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LogstreamClient } from '../../src/client/client';
import { findFreePort } from '../../src/devstack/local-stack';
import { readAllLogs, waitFor, waitSealed } from '../support/harness';

const root = path.join(__dirname, '..', '..');

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A process started like `npm start` (or a standalone entry point), with what it printed. */
interface Launched {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  /** Resolves once stdout holds `text`; rejects (with the output) if the process exits first. */
  printed(text: string): Promise<void>;
}

function launch(entry: string, env: NodeJS.ProcessEnv): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main', entry)], {
    cwd: root,
    // Only what a shell would have, plus the test's settings: nothing of the test stack leaks in.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const launched: Launched = {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: (signal) => {
      child.kill(signal);
      return exited;
    },
    printed: (text) =>
      Promise.race([
        waitFor(
          `${entry} to print ${JSON.stringify(text)}`,
          async () => (stdout.includes(text) ? true : undefined),
          180_000,
        ),
        exited.then((code) => Promise.reject(new Error(`${entry} exited with ${code}:\n${stdout}\n${stderr}`))),
      ]).then(() => undefined),
  };
  // Whatever a failed test leaves running dies with it.
  leftovers.push(() => child.kill('SIGKILL'));
  return launched;
}

const leftovers: (() => void)[] = [];
afterEach(() => leftovers.splice(0).forEach((kill) => kill()));

/** Free ports and a fresh data dir for one `npm start`. */
async function devEnv(
  dataDir: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{ env: NodeJS.ProcessEnv; ports: number[] }> {
  const ports = {
    api: await findFreePort(),
    temporal: await findFreePort(),
    ui: await findFreePort(),
    aws: await findFreePort(),
  };
  return {
    ports: Object.values(ports),
    env: {
      LOGSTREAM_PORT: String(ports.api),
      LOGSTREAM_TEMPORAL_UI_PORT: String(ports.ui),
      LOGSTREAM_EMULATOR_PORT: String(ports.aws),
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      // TEMPORAL_ADDRESS alone would mean "use that server": run the stack on it.
      LOGSTREAM_LOCAL_STACK: '1',
      LOGSTREAM_DATA_DIR: dataDir,
      ...extra,
    },
  };
}

describe('npm start (the dev entry point)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'logstream-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('in a shell with an AWS profile and keys: embedded stack, demo and URLs only on the terminal, nothing left after SIGINT', async () => {
    const { env, ports } = await devEnv(dataDir, {
      AWS_PROFILE: 'someone',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    const dev = launch('dev.ts', env);
    try {
      await dev.printed('ready; Ctrl-C stops everything');
      const output = dev.stdout() + dev.stderr();
      const logFile = path.join(dataDir, 'logstream.log');
      expect(output.split('\n')[0]).toBe(`logstream: process logs go to ${logFile} (LOG_LEVEL=info)`);
      expect(output).toContain(`logstream API: http://127.0.0.1:${env.LOGSTREAM_PORT}`);
      expect(output).toContain(`Temporal UI:  http://127.0.0.1:${env.LOGSTREAM_TEMPORAL_UI_PORT}`);
      expect(output).toMatch(/\[1\] demo line 1\n/);
      expect(output).toMatch(/\[20\] demo line 20\n/);
      expect(output).toMatch(/demo execution \S+ SUCCEEDED \(last index 21\)/);
      // No JSON log lines, no bundler report, no SDK notices between the demo's lines.
      const lines = output.split('\n');
      expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
      expect(lines.filter((line) => /webpack|workflow-bundle|Workflow bundle|Warning/i.test(line))).toEqual([]);
      // They went to the log file instead.
      expect(readFileSync(logFile, 'utf8')).toContain('Workflow bundle created');
      expect((await fetch(`http://127.0.0.1:${env.LOGSTREAM_PORT}/readyz`)).status).toBe(200);
      for (const port of ports) expect(await portAnswers(port)).toBe(true);
    } finally {
      await dev.stop('SIGINT');
    }
    expect(await dev.exited).toBe(0);
    for (const port of ports) expect({ port, listening: await portAnswers(port) }).toEqual({ port, listening: false });
  });

  it('keeps executions and their sealed logs across a restart', async () => {
    const first = await devEnv(dataDir, { LOGSTREAM_DEMO: '0' });
    let dev = launch('dev.ts', first.env);
    const lines = Array.from({ length: 300 }, (_, i) => `kept ${i + 1}`);
    let id: string;
    try {
      await dev.printed('ready; Ctrl-C stops everything');
      const client = new LogstreamClient({ url: `http://127.0.0.1:${first.env.LOGSTREAM_PORT}` });
      ({ executionId: id } = await client.start({
        command: ['sh', '-c', 'for i in $(seq 1 300); do echo "kept $i"; done'],
      }));
      expect(await waitSealed(client, id)).toMatchObject({ status: 'SUCCEEDED', lastIndex: 300 });
    } finally {
      await dev.stop('SIGINT');
    }
    expect(await dev.exited).toBe(0);

    // Same data dir, other ports: nothing but the data dir carries the state over.
    const second = await devEnv(dataDir, { LOGSTREAM_DEMO: '0' });
    dev = launch('dev.ts', second.env);
    try {
      await dev.printed('ready; Ctrl-C stops everything');
      const url = `http://127.0.0.1:${second.env.LOGSTREAM_PORT}`;
      const client = new LogstreamClient({ url });
      const listed = await waitFor('the execution listed after the restart', async () => {
        const page = (await (await fetch(`${url}/executions?limit=100`)).json()) as {
          executions: { execution_id: string; status: string }[];
        };
        return page.executions.find((e) => e.execution_id === id);
      });
      expect(listed.status).toBe('SUCCEEDED');
      expect(await client.getHandle(id).describe()).toMatchObject({
        status: 'SUCCEEDED',
        sealed: true,
        lastIndex: 300,
      });
      const { events, sources } = await readAllLogs(client, id, 128);
      expect(sources).toEqual(new Set(['dynamodb']));
      expect(events).toEqual(lines.map((message, i) => ({ index: i + 1, message })));
    } finally {
      await dev.stop('SIGINT');
    }
    expect(await dev.exited).toBe(0);
  });

  it.each([
    ['dev.ts', 'logstream: ', ', or unset TEMPORAL_ADDRESS and LOGSTREAM_LOCAL_STACK so npm start runs its own'],
    ['server.ts', 'logstream API: ', ''],
    ['worker.ts', 'logstream worker: ', ''],
  ])(
    '%s with an unreachable TEMPORAL_ADDRESS: one line naming it, its variable and the fix; exit 1',
    async (entry, prefix, own) => {
      const port = await findFreePort();
      const run = launch(entry, {
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        LOGSTREAM_LOCAL_STACK: '0',
        LOGSTREAM_DATA_DIR: dataDir,
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(
        `${prefix}cannot reach Temporal at 127.0.0.1:${port} (TEMPORAL_ADDRESS): connection refused. Fix: start a ` +
          `Temporal server there (temporal server start-dev) or set TEMPORAL_ADDRESS to one that runs${own}\n`,
      );
      expect(run.stdout()).not.toMatch(/at .*\.ts:\d+|tonic|ECONNREFUSED/);
    },
  );

  it.each([
    ['dev.ts', 'logstream: ', ', unset AWS_ENDPOINT_URL and LOGSTREAM_LOCAL_STACK so npm start runs its own'],
    ['server.ts', 'logstream API: ', ''],
  ])(
    '%s with an unreachable AWS_ENDPOINT_URL: one line naming it, its variable and the fix; exit 1',
    async (entry, prefix, own) => {
      const port = await findFreePort();
      const run = launch(entry, {
        // The test stack's Temporal answers: AWS is what fails.
        TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        LOGSTREAM_LOCAL_STACK: '0',
        LOGSTREAM_DATA_DIR: dataDir,
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(
        `${prefix}cannot reach AWS (CloudWatch Logs, DynamoDB) at http://127.0.0.1:${port} (AWS_ENDPOINT_URL): ` +
          `connection refused. Fix: start the AWS emulator there or set AWS_ENDPOINT_URL to one that runs${own}, ` +
          'or set LOGSTREAM_AWS=real for real AWS\n',
      );
    },
  );
});
