import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LogQuery, type ResolvedExecution } from '../src/api/log-query';
import { DynamoDbLogStore } from '../src/adapters/dynamodb/dynamodb-log-store';
import type { Config } from '../src/config';
import type { ExecutionDirectory } from '../src/ports';
import { storeSealedLog, SyntheticSource } from '../test/support/synthetic-log';

const PAGE = 10_000;

const unusedDirectory: ExecutionDirectory = {
  start: () => Promise.reject(new Error('not used')),
  describe: () => Promise.resolve(undefined),
  list: () => Promise.resolve({ executions: [] }),
  complete: () => Promise.reject(new Error('not used')),
  stop: () => Promise.reject(new Error('not used')),
  ping: () => Promise.resolve(),
};

// Live heap: collected first when the process runs with --expose-gc (npm run bench does), so
// garbage awaiting collection does not count as memory the read path holds.
export function heapMb(): number {
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
    const { lastIndex: stored, ingestSeconds } = await storeSealedLog(store, source, id, location);
    if (stored !== lines) throw new Error(`stored ${stored} of ${lines} lines`);

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
