import {
  positionOf,
  type LogLocation,
  type SourceCursor,
  type SourcedEvent,
  type StreamPosition,
} from '../../src/domain';
import { LogPump, type LogSource, type LogStore, type SourceBatch } from '../../src/ports';

const PAGE = 10_000;

/** The message of line `index` (1-based) of a synthetic log: ~120 bytes by default. */
export type SyntheticLine = (index: number) => string;

const defaultLine: SyntheticLine = (index) => `line ${index} ${'x'.repeat(100)}`;

/**
 * A CloudWatch-like source of `total` synthetic lines on one stream, made on demand so a benchmark measures the
 * memory of logstream's own read paths, not of a source holding them. Tokens are positions, as GetLogEvents' are.
 */
export class SyntheticSource implements LogSource {
  constructor(
    private readonly total: number,
    private readonly line: SyntheticLine = defaultLine,
  ) {}

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
        message: this.line(i + 1),
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

/**
 * Stores `source`'s whole log under `executionId` through the append protocol and seals it (expiring in an hour);
 * returns its last index and the seconds the store took.
 */
export async function storeSealedLog(
  store: LogStore,
  source: LogSource,
  executionId: string,
  location: LogLocation,
): Promise<{ lastIndex: number; ingestSeconds: number }> {
  const now = Date.now();
  await store.registerExecution({ executionId, location, startedAt: now });
  const started = Date.now();
  const pump = new LogPump(store, source, { executionId, location });
  let lastIndex = 0;
  for (;;) {
    const result = await pump.pump();
    if (result.appended === 0) break;
    lastIndex = result.tip.lastIndex;
  }
  const ingestSeconds = (Date.now() - started) / 1000;
  await store.sealLog(
    executionId,
    { status: 'SUCCEEDED', completedAt: now, lastIndex, sealedAt: Date.now() },
    Math.ceil(now / 1000) + 3600,
  );
  return { lastIndex, ingestSeconds };
}
