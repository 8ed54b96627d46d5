import { executionWriteUnits } from '../src/adapters/dynamodb/item-size';
import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { startWorker } from '../src/main/worker';
import { sleep } from './stack';

/** Storage cost of a 20,000-line job of ~120-byte lines: DynamoDB write units, chunked vs one item per line. */
export async function benchStoreCost(config: Config): Promise<Record<string, number>> {
  const worker = await startWorker(config);
  const server = await startServer(config);
  const aws = createAwsAdapters(config);
  try {
    const client = new LogstreamClient({ url: server.url });
    const lines = 20_000;
    const pad = 'x'.repeat(100);
    const id = `bench-cost-${Date.now()}`;
    await client.start({
      command: ['sh', '-c', `i=1; while [ $i -le ${lines} ]; do echo "line $i ${pad}"; i=$((i+1)); done`],
      executionId: id,
    });
    while (!(await client.getHandle(id).describe()).sealed) await sleep(200);
    const {
      items,
      chunks,
      writeUnits: chunkedUnits,
      sealWriteUnits,
    } = await executionWriteUnits(aws.dynamodb, config.table, id);
    let rawBytes = 0;
    // Baseline: the original design's one item per line (key, index, timestamp, message).
    let perLineUnits = 0;
    for (let i = 1; i <= lines; i++) {
      const message = `line ${i} ${pad}`;
      rawBytes += Buffer.byteLength(message);
      const size =
        'execution_id'.length +
        id.length +
        'seq'.length +
        4 +
        'timestamp'.length +
        8 +
        'message'.length +
        message.length;
      perLineUnits += Math.ceil(size / 1024);
    }
    return {
      lines,
      items,
      raw_bytes: rawBytes,
      chunked_write_units: chunkedUnits,
      per_line_write_units: perLineUnits,
      write_unit_ratio: chunkedUnits / perLineUnits,
      // The seal's cost: its transaction, and the expiry it gives each chunk (an update billed on the chunk's size).
      chunks,
      seal_write_units: sealWriteUnits,
      chunk_put_write_units: (chunkedUnits - (items - chunks)) / chunks,
      total_write_unit_ratio: (chunkedUnits + sealWriteUnits) / perLineUnits,
    };
  } finally {
    await server.stop();
    await worker.stop();
    aws.destroy();
  }
}

/**
 * Storage cost of a pushed managed job of 600 lines of ~120 bytes, printed at 10 lines/s with no tail (`paced`), at
 * 10 lines/s followed by a client over WebSocket from its start (`watched`: the forwarders store its lines every
 * round), and as one burst: DynamoDB write units per 1,000 lines to store the log, and what the seal adds (see
 * `executionWriteUnits`). Run at each forwarder hold in `holds` (ms; 0 is storing every round's lines at once, the
 * baseline), one worker each, in the same command.
 */
export async function benchPushStoreCost(
  config: (overrides: Record<string, string>) => Config,
  holds: readonly number[],
): Promise<Record<string, number>> {
  const lines = 600;
  const pad = 'x'.repeat(100);
  const figures: Record<string, number> = { lines };
  for (const hold of holds) {
    const held = config({ LOGSTREAM_TASK_QUEUE: `bench-push-cost-${hold}`, LOGSTREAM_PUSH_HOLD_MS: String(hold) });
    const worker = await startWorker(held);
    const server = await startServer(held);
    const aws = createAwsAdapters(held);
    try {
      const client = new LogstreamClient({ url: server.url });
      const at = (name: string): string => `hold_${hold}_${name}`;
      for (const [kind, pause] of [
        ['paced', 'sleep 0.1;'],
        ['watched', 'sleep 0.1;'],
        ['burst', ''],
      ] as const) {
        const id = `bench-push-cost-${hold}-${kind}-${Date.now()}`;
        const script = `i=1; while [ $i -le ${lines} ]; do echo "line $i ${pad}"; ${pause} i=$((i+1)); done`;
        await client.start({ command: ['sh', '-c', script], executionId: id });
        const handle = client.getHandle(id);
        // A follower from the first line on: its tail watches the execution until the seal.
        if (kind === 'watched') for await (const item of handle.follow()) void item;
        while (!(await handle.describe()).sealed) await sleep(500);
        const cost = await executionWriteUnits(aws.dynamodb, held.table, id);
        figures[at(`${kind}_chunks`)] = cost.chunks;
        figures[at(`${kind}_store_write_units_per_1000_lines`)] = (cost.writeUnits * 1000) / lines;
        figures[at(`${kind}_seal_write_units_per_1000_lines`)] = (cost.sealWriteUnits * 1000) / lines;
      }
      for (const kind of ['paced', 'watched']) {
        figures[at(`${kind}_vs_burst_store_ratio`)] =
          (figures[at(`${kind}_store_write_units_per_1000_lines`)] ?? Number.NaN) /
          (figures[at('burst_store_write_units_per_1000_lines')] ?? Number.NaN);
      }
    } finally {
      await server.stop();
      await worker.stop();
      aws.destroy();
    }
  }
  return figures;
}
