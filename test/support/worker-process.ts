// A worker in a process of its own, so a test can SIGKILL it like a crashed host.
// The configuration comes from the environment (see testConfig in harness.ts).
import { loadConfig } from '../../src/config';
import { startWorker } from '../../src/main/worker';

startWorker(loadConfig()).then(
  () => process.stdout.write('worker ready\n'),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${String(error)}\n`);
    process.exit(1);
  },
);
