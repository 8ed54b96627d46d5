import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startApiProcess } from '../test/support/api-process';
import { withParentDeathSignal } from '../test/support/parent-death';

/** A worker and an API server in processes of their own, as deployed (not sharing the load generator's event loop). */
export interface BenchServices {
  /** The API's base URL. */
  readonly url: string;
  /** The API process's resident memory (its own Prometheus gauge), in bytes. */
  apiRssBytes(): Promise<number>;
  /** DynamoDB calls the API process made so far (its own Prometheus counter, every operation and outcome). */
  apiDynamoDbCalls(): Promise<number>;
  stop(): Promise<void>;
}

const WORKER_ENTRY = path.join(__dirname, '..', 'src', 'main', 'worker.ts');
const READY_TIMEOUT_MS = 120_000;

/** Starts the standalone worker, then the API, both with `env` (the stack's coordinates and the mode's settings). */
export async function startBenchServices(env: Record<string, string>): Promise<BenchServices> {
  const worker = await startWorkerProcess(env);
  try {
    const api = await startApiProcess(env);
    // The API process's own Prometheus metrics, as text.
    const metrics = async (): Promise<string> => (await fetch(`${api.url}/metrics`)).text();
    return {
      url: api.url,
      apiDynamoDbCalls: async () => dynamoDbCalls(await metrics()),
      apiRssBytes: async () => {
        const text = await metrics();
        const match = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
        if (!match?.[1]) throw new Error('the API reports no process_resident_memory_bytes');
        return Number(match[1]);
      },
      stop: async () => {
        await api.stop();
        await stopProcess(worker);
      },
    };
  } catch (error) {
    await stopProcess(worker);
    throw error;
  }
}

/** DynamoDB calls counted in an API process's Prometheus text (`operations`: only those; default every one). */
export function dynamoDbCalls(metricsText: string, operations?: ReadonlySet<string>): number {
  let calls = 0;
  for (const match of metricsText.matchAll(/^logstream_dependency_calls_total\{([^}]*)\} (\d+)$/gm)) {
    const labels = match[1] ?? '';
    if (!labels.includes('dependency="dynamodb"')) continue;
    const operation = /operation="([^"]*)"/.exec(labels)?.[1] ?? '';
    if (operations === undefined || operations.has(operation)) calls += Number(match[2]);
  }
  return calls;
}

// The standalone worker prints its banner on stdout once it polls its task queue.
async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const [file, argv] = withParentDeathSignal(process.execPath, ['--import', 'tsx', WORKER_ENTRY]);
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process was not ready in time')), READY_TIMEOUT_MS);
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('logstream worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker process exited before it was ready (code ${code})`));
    });
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // A graceful stop that hangs must not leave the process behind.
  const escalate = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    await exited;
  } finally {
    clearTimeout(escalate);
  }
}
