import { followAll } from '../test/support/follow-all';
import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { startWorker } from '../src/main/worker';
import { quantile, sleep } from './stack';

const RATE = 200; // lines per second
const BATCH = 10;

/**
 * Latency from PutLogEvents to a tailing client at 200 lines/s: each line carries the time just
 * before its PutLogEvents call, and the client notes when it receives it. `mode` chooses the
 * client: the WebSocket tail, or (the baseline) a client polling `/logs` every `pollMs`.
 */
export async function benchTailLatency(
  config: Config,
  mode: 'websocket' | 'rest-polling',
  seconds = 15,
  pollMs = 500,
): Promise<Record<string, number>> {
  const worker = await startWorker(config);
  const server = await startServer(config);
  const aws = createAwsAdapters(config);
  try {
    const client = new LogstreamClient({ url: server.url });
    const id = `bench-latency-${mode}-${Date.now()}`;
    const stream = `external/${id}`;
    await client.start({ logGroup: config.logGroup, logStream: stream, executionId: id });
    await aws.source.createStream(config.logGroup, stream);
    const latencies: number[] = [];
    const record = (message: string): void => {
      const sentAt = Number(message.split(' ')[2]);
      latencies.push(Date.now() - sentAt);
    };
    let receiving: Promise<unknown>;
    if (mode === 'websocket') {
      const first = await client.getHandle(id).logs();
      const since = first.events[first.events.length - 1]?.index ?? 0;
      receiving = followAll(client.getHandle(id), (event) => record(event.message), { sinceIndex: since });
    } else {
      receiving = (async () => {
        let since = 0;
        for (;;) {
          const page = await client.getHandle(id).logs({ sinceIndex: since });
          for (const event of page.events) record(event.message);
          since = page.events[page.events.length - 1]?.index ?? since;
          if (page.status !== 'RUNNING') return;
          await sleep(pollMs);
        }
      })();
    }
    await sleep(1000);
    const began = Date.now();
    let written = 0;
    while (written < RATE * seconds) {
      const sentAt = Date.now();
      await aws.source.putEvents(
        config.logGroup,
        stream,
        Array.from({ length: BATCH }, (_, i) => ({ timestamp: sentAt, message: `line ${written + i} ${sentAt}` })),
      );
      written += BATCH;
      await sleep(Math.max(0, began + (written / RATE) * 1000 - Date.now()));
    }
    await sleep(2000);
    await client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await receiving;
    return {
      lines_written: written,
      lines_received: latencies.length,
      p50_ms: quantile(latencies, 0.5),
      p99_ms: quantile(latencies, 0.99),
      max_ms: Math.max(...latencies),
    };
  } finally {
    await server.stop();
    await worker.stop();
    aws.destroy();
  }
}
