import path from 'node:path';
import { LogstreamClient } from '../client/client';
import { loadConfig, type Config } from '../config';
import { startLocalStack, type LocalStack } from './local-stack';
import { startServer, type RunningServer } from './server';
import { repoRoot } from './toolchain';
import { startWorker, type RunningWorker } from './worker';

/**
 * `npm start`: the local stack (Temporal dev server + AWS emulator) unless real ones are
 * configured, a worker, the API, and a demo execution whose log lines are printed as they arrive.
 * Ctrl-C stops everything it started.
 */
async function main(): Promise<void> {
  let config = loadConfig();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const started: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      for (const part of started.reverse()) await part.stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    if (config.localStack) {
      const [, port] = config.temporalAddress.split(':');
      say('starting the local stack (Temporal dev server, AWS emulator)...');
      const stack: LocalStack = await startLocalStack({
        temporalPort: Number(port),
        temporalUiPort: config.temporalUiPort,
        emulatorPort: config.emulatorPort,
        dbFile: path.join(repoRoot(), config.dataDir, 'temporal.db'),
        tableName: config.table,
        logGroup: config.logGroup,
        region: config.awsRegion,
        strictAws: config.strictAws,
        log: say,
      });
      started.push(stack);
      config = { ...config, awsEndpoint: stack.awsEndpoint, temporalAddress: stack.temporalAddress };
      say(`Temporal UI:  ${stack.temporalUiUrl}`);
    }
    const worker: RunningWorker = await startWorker(config);
    started.push(worker);
    const server: RunningServer = await startServer(config);
    started.push(server);
    say(`logstream API: ${server.url}   (try: curl ${server.url}/executions)`);
    if (config.demo) await runDemo(config, server.url, say);
    say('ready; Ctrl-C stops everything');
  } catch (error) {
    process.stderr.write(`logstream: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll(1);
  }
}

async function runDemo(config: Config, url: string, say: (line: string) => void): Promise<void> {
  const client = new LogstreamClient({ url, apiKey: config.apiKeys[0] });
  const script = 'for i in $(seq 1 20); do echo "demo line $i"; sleep 0.2; done; echo "done" >&2';
  const { execution_id: id } = await client.run(['sh', '-c', script]);
  say(`demo execution ${id}: ${url}/executions/${id}/logs`);
  const view = await client.follow(id, (event) => say(`  [${event.index}] ${event.message}`));
  say(`demo execution ${id} ${view.status} (last index ${view.last_index})`);
}

void main();
