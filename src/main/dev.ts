import path from 'node:path';
import type { Logger } from 'pino';
import { LogstreamClient } from '../client/client';
import { loadConfig, type Config } from '../config';
import { prepareAwsRecording } from '../devstack/aws-recording';
import { startLocalStack, type LocalStack } from '../devstack/local-stack';
import { asUnreachable, assertReachable, endpointsOf } from '../compose/reachability';
import { startServer, type RunningServer } from './server';
import { repoRoot } from '../devstack/toolchain';
import { createLogger, provisionAws } from '../compose/wiring';
import { startWorker, type RunningWorker } from './worker';

/**
 * `npm start`: the local stack (Temporal dev server + AWS emulator) unless real ones are
 * configured, a worker, the API, and a demo execution whose log lines are printed as they arrive.
 * The terminal gets what a person needs (URLs, the demo, errors in one line); the process logs go to a
 * file under the data dir. Ctrl-C stops everything it started.
 */
async function main(): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const sayError = (error: unknown): void =>
    void process.stderr.write(`logstream: ${error instanceof Error ? error.message : String(error)}\n`);
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

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    sayError(error);
    return stopAll(1);
  }
  const dataDir = path.resolve(repoRoot(), config.dataDir);
  config = { ...config, logFile: path.resolve(repoRoot(), config.logFile ?? path.join(dataDir, 'logstream.log')) };
  say(`logstream: process logs go to ${config.logFile} (LOG_LEVEL=${config.logLevel})`);
  const logger = createLogger('logstream-dev', config);
  routeWarnings(logger);

  try {
    if (config.localStack) {
      say('starting the local stack (Temporal dev server, AWS emulator)...');
      // The emulator's recorder keeps the AWS state across restarts.
      const recording = prepareAwsRecording(dataDir);
      const [, port] = config.temporalAddress.split(':');
      const stack: LocalStack = await startLocalStack({
        temporalPort: Number(port),
        temporalUiPort: config.temporalUiPort,
        emulatorPort: config.emulatorPort,
        dbFile: path.join(dataDir, 'temporal.db'),
        tableName: config.table,
        logGroup: config.logGroup,
        region: config.awsRegion,
        strictAws: config.strictAws,
        push: config.ingest !== 'poll',
        kinesisStream: config.kinesisStream,
        kinesisShards: config.kinesisShards,
        log: (line) => logger.info(line),
        recordingFile: recording.file,
      });
      started.push(stack);
      const replayed = await recording.replay(stack.awsEndpoint);
      if (replayed > 0) logger.info({ replayed, file: recording.file }, 'restored the AWS state of earlier runs');
      config = { ...config, awsEndpoint: stack.awsEndpoint, temporalAddress: stack.temporalAddress, localAws: true };
      say(`Temporal UI:  ${stack.temporalUiUrl}`);
    } else {
      await assertReachable(endpointsOf(config, 'npm start'));
      await provisionAws(config);
    }
    const worker: RunningWorker = await startWorker(config);
    started.push(worker);
    const server: RunningServer = await startServer(config);
    started.push(server);
    say(`logstream API: ${server.url}   (web app: ${server.url}/   try: curl ${server.url}/executions)`);
    if (config.demo) await runDemo(config, server.url, say);
    say('ready; Ctrl-C stops everything');
  } catch (error) {
    logger.error({ err: error }, 'start failed');
    sayError(asUnreachable(error, config, 'npm start'));
    await stopAll(1);
  }
}

/** Node's process warnings (e.g. the AWS SDK's notice about Node versions) go to the log file, not the terminal. */
function routeWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn({ warning: warning.name }, warning.message));
}

async function runDemo(config: Config, url: string, say: (line: string) => void): Promise<void> {
  const client = new LogstreamClient({ url, apiKey: config.apiKeys[0] });
  const script = 'for i in $(seq 1 20); do echo "demo line $i"; sleep 0.2; done; echo "done" >&2';
  const execution = await client.start({ command: ['sh', '-c', script] });
  const id = execution.executionId;
  say(`demo execution ${id}: ${url}/executions/${id}/logs`);
  for await (const item of execution.follow()) {
    if (item.kind === 'event') say(`  [${item.index}] ${item.message}`);
    else say(`demo execution ${id} ${item.status} (last index ${item.lastIndex})`);
  }
}

void main();
