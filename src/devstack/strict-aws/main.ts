// The strict AWS layer as a process of its own (started by the local stack launcher, so it never shares an event
// loop with Jest or the bench): node --import tsx src/devstack/strict-aws/main.ts --host H --port P --upstream-port U
import { parseArgs } from 'node:util';
import { emulatorKinesis } from './emulator-client';
import { createStrictProxy } from './proxy-server';
import { validateRequest } from './request-validator';
import { loadServiceModel, type AwsServiceName } from './service-model';
import { StrictAwsLayer } from './strict-layer';

function main(): void {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'upstream-host': { type: 'string' },
      'upstream-port': { type: 'string' },
      'dynamodb-upstream-port': { type: 'string' },
      'botocore-data': { type: 'string' },
    },
  });
  const port = Number(values.port);
  const upstreamPort = Number(values['upstream-port']);
  const dynamodbUpstreamPort = Number(values['dynamodb-upstream-port'] ?? upstreamPort);
  if (!Number.isInteger(port) || !Number.isInteger(upstreamPort) || !Number.isInteger(dynamodbUpstreamPort)) {
    throw new Error(
      'usage: --port PORT --upstream-port PORT [--dynamodb-upstream-port PORT] [--host HOST] [--upstream-host HOST]',
    );
  }
  const host = values.host ?? '127.0.0.1';
  const upstreamHost = values['upstream-host'] ?? host;
  // Models are read once, before the port opens: the readiness probe then means validation is in force.
  const services: readonly AwsServiceName[] = ['logs', 'dynamodb', 'kinesis'];
  const dataDir = values['botocore-data'];
  const models = new Map(services.map((service) => [service, loadServiceModel(service, dataDir)]));
  const layer = new StrictAwsLayer({
    kinesis: emulatorKinesis(upstreamHost, upstreamPort),
    validate: (service, operation, input) => {
      const model = models.get(service);
      return model === undefined ? undefined : validateRequest(model, operation, input);
    },
  });
  const server = createStrictProxy({
    host,
    port,
    upstreamHost,
    upstreamPort,
    dynamodbUpstreamPort,
    layer,
  });
  server.keepAliveTimeout = 65_000;
  server.listen({ host, port, exclusive: true }, () => {
    process.stdout.write(
      `strict-aws: listening on ${host}:${port}, emulator on ${upstreamPort}, DynamoDB's on ${dynamodbUpstreamPort}\n`,
    );
  });
  server.once('error', (error) => {
    process.stderr.write(`strict-aws: ${error.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    layer.delivery.stop();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // One broken request must not take AWS away from every test that follows: report it and keep serving.
  process.on('uncaughtException', (error) => process.stderr.write(`strict-aws: ${error.stack ?? error.message}\n`));
  exitWithParent();
}

// The launcher sets a parent-death signal where it can (Linux); elsewhere a changed parent pid means the launcher
// is gone and this process was adopted: it must not outlive the stack it belongs to.
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

try {
  main();
} catch (error) {
  process.stderr.write(`strict-aws: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
