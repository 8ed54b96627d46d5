// A worker in a child process (test/support/worker-process.ts), so a test can SIGKILL it like a crashed host.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Starts a worker with `env` added to this process's environment; resolves once it polls its task queue. */
export async function startWorkerChild(env: Record<string, string>): Promise<ChildProcess> {
  const script = path.join(__dirname, 'worker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => data.toString().includes('worker ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  return child;
}
