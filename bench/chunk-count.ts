import { events, GROUP, register, run, SHARD, START, world } from '../test/support/shard-consumer-world';

/** Lines a second of the busy job. */
const LINES_PER_SECOND = 200;
/** About 120 bytes a line. */
const PAD = 'x'.repeat(110);
/** Simulated minutes; the figures are scaled to an hour. */
const MINUTES = 10;

/**
 * Chunks a busy job (200 lines/s of ~120 bytes, a PutLogEvents call every 100 ms) leaves per hour, through the shard
 * consumer on a simulated clock (in memory: the figure counts chunks, not time): with nothing held back (the baseline,
 * and a job a tail watches), and with the hold's defaults (20 s or 64 KB) for a job nobody watches.
 */
export async function benchChunkCount(): Promise<Record<string, number>> {
  const figures: Record<string, number> = { lines_per_second: LINES_PER_SECOND };
  for (const [name, hold] of [
    ['no_hold', undefined],
    ['hold_20s', { holdMs: 20_000, maxBytes: 64 * 1024 }],
  ] as const) {
    const w = world();
    await register(w, 'busy', ['busy']);
    let next = START;
    let written = 0;
    const r = run(w, {
      maxRunMs: MINUTES * 60_000,
      ...(hold === undefined ? {} : { deps: { hold } }),
      onSleep: (now) => {
        // A call every 100 ms of the fake clock, 20 lines each.
        for (; next <= now; next += 100) {
          const batch = events('busy', written + 1, LINES_PER_SECOND / 10, next).map((e) => ({
            ...e,
            message: `${e.message} ${PAD}`,
          }));
          w.source.putData(SHARD, GROUP, 'busy', batch);
          written += batch.length;
        }
      },
    });
    await r.result;
    const chunks = w.store.chunks('busy');
    const stored = chunks.reduce((sum, chunk) => sum + chunk.events.length, 0);
    figures[`${name}_chunks_per_hour`] = Math.round((chunks.length * 60) / MINUTES);
    figures[`${name}_lines_per_chunk`] = stored / chunks.length;
  }
  return figures;
}
