import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { heapMb } from './large-log';
import { storeSealedLog, SyntheticSource } from '../test/support/synthetic-log';

/**
 * Server search on a sealed log of `lines` lines, one in every `lines / needles` holding the needle: time to the
 * first page of matches and to all of them (paging on `next_index`), and the API process's peak heap growth while
 * searching, beside the time of a full download of the same log (`logs.txt`). The API runs in this process.
 */
export async function benchSearch(config: Config, lines = 1_000_000, needles = 1000): Promise<Record<string, number>> {
  const every = Math.floor(lines / needles);
  const aws = createAwsAdapters(config);
  const server = await startServer(config);
  try {
    const id = `bench-search-${Date.now()}`;
    const source = new SyntheticSource(lines, (i) =>
      i % every === 0 ? `step ${i} found the NEEDLE here` : `line ${i} ${'x'.repeat(100)}`,
    );
    const location = { logGroup: config.logGroup, logStreams: ['synthetic'] };
    const { lastIndex, ingestSeconds } = await storeSealedLog(aws.store, source, id, location);
    if (lastIndex !== lines) throw new Error(`stored ${lastIndex} of ${lines} lines`);
    const client = new LogstreamClient({ url: server.url });

    const base = heapMb();
    let peak = base;
    const started = performance.now();
    let firstPageMs = Number.NaN;
    let pages = 0;
    const found: number[] = [];
    for (let since: number | null = 0; since !== null;) {
      const page = await client.getHandle(id).searchPage('needle', { sinceIndex: since });
      if (pages++ === 0) firstPageMs = performance.now() - started;
      found.push(...page.matches.map((m) => m.index));
      if (page.nextIndex !== null && !page.sealed) throw new Error('a page of the sealed log was not sealed');
      peak = Math.max(peak, heapMb());
      since = page.nextIndex;
    }
    const allMs = performance.now() - started;
    const expected = Array.from({ length: Math.floor(lines / every) }, (_, i) => (i + 1) * every);
    if (found.length !== expected.length || found.some((index, i) => index !== expected[i])) {
      throw new Error(`search found ${found.length} of ${expected.length} needles, or not in index order`);
    }

    const downloadStarted = performance.now();
    const response = await fetch(`${server.url}/executions/${id}/logs.txt`);
    let bytes = 0;
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read())
      bytes += read.value.byteLength;
    const downloadMs = performance.now() - downloadStarted;
    if (response.headers.get('x-logstream-sealed') !== 'true' || bytes === 0) throw new Error('download failed');

    return {
      lines,
      needles: expected.length,
      ingest_seconds: Math.round(ingestSeconds * 10) / 10,
      first_page_ms: Math.round(firstPageMs),
      all_matches_ms: Math.round(allMs),
      pages,
      peak_heap_growth_mb: Math.round((peak - base) * 10) / 10,
      full_download_ms: Math.round(downloadMs),
      full_download_mb: Math.round(bytes / (1024 * 1024)),
    };
  } finally {
    await server.stop();
    aws.destroy();
  }
}
