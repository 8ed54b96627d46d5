import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { startWorker } from '../src/main/worker';
import { sleep } from './stack';

/**
 * CloudWatch read calls per second made for one running execution, idle and while 200 lines/s
 * flow. CloudWatch's read quotas are account-wide, so this is what bounds how many executions can
 * run at once (GetLogEvents: 25 calls/s by default).
 */
export async function benchCloudWatchRate(config: Config, phaseMs = 10_000): Promise<Record<string, number>> {
  let calls = 0;
  const worker = await startWorker(config, (dependency, operation) => {
    if (dependency === 'cloudwatch' && operation === 'GetLogEvents') calls++;
  });
  const server = await startServer(config);
  const aws = createAwsAdapters(config);
  try {
    const client = new LogstreamClient({ url: server.url });
    const id = `bench-rate-${Date.now()}`;
    const stream = `external/${id}`;
    await client.start({ logGroup: config.logGroup, logStream: stream, executionId: id });
    await aws.source.createStream(config.logGroup, stream);
    await sleep(3000); // past start-up, into the idle back-off
    let start = calls;
    await sleep(phaseMs);
    const idle = ((calls - start) * 1000) / phaseMs;
    start = calls;
    const began = Date.now();
    let written = 0;
    while (Date.now() - began < phaseMs) {
      // 200 lines/s in 20 writes of 10 lines.
      await aws.source.putEvents(
        config.logGroup,
        stream,
        Array.from({ length: 10 }, (_, i) => ({ timestamp: Date.now(), message: `busy ${written + i}` })),
      );
      written += 10;
      // Paced by schedule, not by a fixed sleep, so the write time does not lower the rate.
      await sleep(Math.max(0, began + (written / 200) * 1000 - Date.now()));
    }
    const busy = ((calls - start) * 1000) / (Date.now() - began);
    await client.getHandle(id).complete({ status: 'SUCCEEDED' });
    return {
      idle_calls_per_s: idle,
      busy_calls_per_s: busy,
      busy_lines_per_s: (written * 1000) / (Date.now() - began),
    };
  } finally {
    await server.stop();
    await worker.stop();
    aws.destroy();
  }
}
