import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/main/local-stack';

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

describe('npm start (the dev entry point)', () => {
  it('boots the stack, runs and prints the demo, serves the API, and leaves nothing listening after SIGINT', async () => {
    const ports = {
      api: await findFreePort(),
      temporal: await findFreePort(),
      ui: await findFreePort(),
      emulator: await findFreePort(),
    };
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'logstream-start-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      LOGSTREAM_PORT: String(ports.api),
      LOGSTREAM_TEMPORAL_UI_PORT: String(ports.ui),
      LOGSTREAM_EMULATOR_PORT: String(ports.emulator),
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      LOGSTREAM_LOCAL_STACK: '1',
      LOGSTREAM_DATA_DIR: dataDir,
    };
    const root = path.join(__dirname, '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main', 'dev.ts')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (output.includes('ready; Ctrl-C stops everything')) {
            clearInterval(timer);
            resolve();
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`npm start exited with ${code}:\n${output}`));
        });
      });
      expect(output).toContain(`logstream API: http://127.0.0.1:${ports.api}`);
      expect(output).toContain(`Temporal UI:  http://127.0.0.1:${ports.ui}`);
      expect(output).toMatch(/\[1\] demo line 1\n/);
      expect(output).toMatch(/\[20\] demo line 20\n/);
      expect(output).toMatch(/demo execution \S+ SUCCEEDED \(last index 21\)/);
      const health = await fetch(`http://127.0.0.1:${ports.api}/readyz`);
      expect(health.status).toBe(200);
      for (const port of Object.values(ports)) expect(await portAnswers(port)).toBe(true);
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
    for (const port of Object.values(ports))
      expect({ port, listening: await portAnswers(port) }).toEqual({ port, listening: false });
  });
});
