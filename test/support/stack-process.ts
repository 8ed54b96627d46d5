// Runs a local stack in its own Node process for the orphan tests in test/integration/devstack/local-stack.test.ts.
// Prints one JSON line with its pids and ports once ready; SIGINT/SIGTERM stop the stack and exit 0.
// With --unhandled it installs no signal handlers, like an application that never calls stop().
// Run with: node --import tsx test/support/stack-process.ts [--unhandled]
import { findFreePort, startLocalStack, type LocalStack } from '../../src/devstack/local-stack';

/** What the process prints on stdout once the stack is ready. */
export interface StackProcessReport {
  pid: number;
  pids: LocalStack['pids'];
  ports: { temporal: number; temporalUi: number; emulator: number };
}

async function main(): Promise<void> {
  const host = '127.0.0.1';
  const ports = {
    temporal: await findFreePort(host),
    temporalUi: await findFreePort(host),
    emulator: await findFreePort(host),
  };
  const stack = await startLocalStack({
    host,
    temporalPort: ports.temporal,
    temporalUiPort: ports.temporalUi,
    emulatorPort: ports.emulator,
    tableName: 'orphan-test-logs',
    logGroup: '/logstream/orphan-test',
    region: 'us-east-1',
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`stack-process: ${signal}, stopping\n`);
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stack-process: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  if (!process.argv.includes('--unhandled')) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const report: StackProcessReport = { pid: process.pid, pids: stack.pids, ports };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`stack-process: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
