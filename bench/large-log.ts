import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LogQuery, type ResolvedExecution } from '../src/api/log-query';
import { DynamoDbLogStore } from '../src/adapters/dynamodb/dynamodb-log-store';
import type { Config } from '../src/config';
import { positionOf, type LogLocation, type SourceCursor, type SourcedEvent, type StreamPosition } from '../src/domain';
import { LogPump, type ExecutionDirectory, type LogSource, type SourceBatch } from '../src/ports';

const PAGE = 10_000;

/**
 * A CloudWatch-like source of `total` synthetic ~120-byte lines on one stream, made on demand so
 * the benchmark measures the memory of logstream's own read paths, not of a source holding them.
 * Tokens are positions, as GetLogEvents' are.
 */
class SyntheticSource implements LogSource {
  constructor(private readonly total: number) {}

  async readAfter(location: LogLocation, cursor: SourceCursor, maxEvents: number): Promise<SourceBatch> {
    const stream = location.logStreams[0] ?? '';
    const start: StreamPosition = positionOf(cursor, stream);
    const from = Number(start.token ?? '0') + start.skip;
    const to = Math.min(this.total, from + Math.min(maxEvents, PAGE));
    const events: SourcedEvent[] = [];
    for (let i = from; i < to; i++) {
      events.push({
        stream,
        timestamp: 1_700_000_000_000 + Math.floor(i / 50),
        message: `line ${i + 1} ${'x'.repeat(100)}`,
        after: { token: String(i + 1), skip: 0 },
      });
    }
    const end = events[events.length - 1]?.after ?? start;
    return {
      events,
      cursor: { streams: { ...cursor.streams, [stream]: end } },
      calls: 1,
      exhausted: events.length < Math.min(maxEvents, PAGE),
    };
  }

  async createStream(): Promise<void> {}
  async putEvents(): Promise<void> {}
  async ping(): Promise<void> {}
}

const unusedDirectory: ExecutionDirectory = {
  start: () => Promise.reject(new Error('not used')),
  describe: () => Promise.resolve(undefined),
  list: () => Promise.resolve([]),
  complete: () => Promise.reject(new Error('not used')),
  stop: () => Promise.reject(new Error('not used')),
  ping: () => Promise.resolve(),
};

// Live heap: collected first when the process runs with --expose-gc (npm run bench does), so
// garbage awaiting collection does not count as memory the read path holds.
function heapMb(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/** Pages through a `lines`-line log on both `/logs` paths and reports the peak heap growth while paging. */
export async function benchLargeLog(config: Config, lines: number): Promise<Record<string, number>> {
  const client = new DynamoDBClient({
    region: config.awsRegion,
    endpoint: config.awsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const store = new DynamoDbLogStore({ client, tableName: config.table });
    const source = new SyntheticSource(lines);
    const id = `bench-large-${lines}-${Date.now()}`;
    const location = { logGroup: config.logGroup, logStreams: ['synthetic'] };
    const now = Date.now();
    await store.registerExecution({ executionId: id, location, startedAt: now });

    const ingestStart = Date.now();
    const pump = new LogPump(store, source, {
      executionId: id,
      location,
    });
    let stored = 0;
    for (;;) {
      const result = await pump.pump();
      if (result.appended === 0) break;
      stored = result.tip.lastIndex;
    }
    const ingestSeconds = (Date.now() - ingestStart) / 1000;
    await store.sealLog(
      id,
      { status: 'SUCCEEDED', completedAt: now, lastIndex: stored, sealedAt: Date.now() },
      Math.ceil(now / 1000) + 3600,
    );

    const query = new LogQuery({
      directory: unusedDirectory,
      store,
      source,
    });
    const pageThrough = async (execution: ResolvedExecution): Promise<{ count: number; peakGrowthMb: number }> => {
      const base = heapMb();
      let peak = base;
      let since = 0;
      let count = 0;
      for (;;) {
        const page = await query.page(execution, since, PAGE);
        count += page.events.length;
        peak = Math.max(peak, heapMb());
        if (page.nextIndex === null) return { count, peakGrowthMb: peak - base };
        since = page.nextIndex;
      }
    };
    const record = await store.getExecution(id);
    const sealed = await pageThrough({
      executionId: id,
      status: 'SUCCEEDED',
      startedAt: now,
      completedAt: now,
      record,
      open: false,
      location,
    });
    // The direct CloudWatch path: no record of the execution in the store, completed long ago.
    const direct = await pageThrough({
      executionId: `${id}-direct`,
      status: 'SUCCEEDED',
      startedAt: now,
      completedAt: now - 3600_000,
      record: { executionId: `${id}-direct`, location, startedAt: now },
      open: false,
      location,
    });
    if (sealed.count !== lines || direct.count !== lines) {
      throw new Error(`read ${sealed.count} (dynamodb) and ${direct.count} (cloudwatch) of ${lines} lines`);
    }
    return {
      lines,
      ingest_lines_per_s: Math.round(lines / ingestSeconds),
      dynamodb_path_peak_heap_growth_mb: Math.round(sealed.peakGrowthMb * 10) / 10,
      cloudwatch_path_peak_heap_growth_mb: Math.round(direct.peakGrowthMb * 10) / 10,
    };
  } finally {
    client.destroy();
  }
}
