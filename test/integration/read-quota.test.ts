import { newExecutionId, readAllLogs, waitSealed, type Harness } from '../support/harness';
import type { StrictStatsView } from '../support/strict-aws';
import { useStrictHarness } from '../support/strict-harness';

// Five jobs printing 200 lines a second each, with GetLogEvents held to 10 calls/s for the whole
// account (the strict layer's quota; AWS's is 25/s): every log is sealed exact. The CloudWatch call
// rates of the run are printed from the strict layer's counters (measured, not asserted).

const JOBS = 5;
const SECONDS = 10;
const PER_SECOND = 200;
const LINES = SECONDS * PER_SECOND;
// 200 lines, then a one-second pause, ten times over.
const SCRIPT = `for s in $(seq 0 ${SECONDS - 1}); do seq $((s * ${PER_SECOND} + 1)) $((s * ${PER_SECOND} + ${PER_SECOND})) | sed 's/^/line /'; sleep 1; done`;

function logsCalls(stats: StrictStatsView): { calls: number; throttled: number; getLogEvents: number } {
  let calls = 0;
  let throttled = 0;
  for (const [operation, counters] of Object.entries(stats.operations)) {
    if (!operation.startsWith('logs:')) continue;
    calls += counters.calls;
    throttled += counters.throttled;
  }
  return { calls, throttled, getLogEvents: stats.operations['logs:GetLogEvents']?.calls ?? 0 };
}

describe('read quota (strict AWS layer): GetLogEvents held to 10 calls/s account-wide', () => {
  let h: Harness;
  // The quota is the polling ingest's concern (push ingest reads no GetLogEvents): these executions are polled.
  const strict = useStrictHarness((started) => (h = started), { env: { LOGSTREAM_INGEST: 'poll' } });

  test(`${JOBS} concurrent jobs at ${PER_SECOND} lines/s each: every log sealed exact, 1..N`, async () => {
    await strict.setRules({ readQuotas: { GetLogEvents: 10 } });
    await strict.resetStats();
    const startedAt = Date.now();
    const ids = Array.from({ length: JOBS }, () => newExecutionId('quota'));
    await Promise.all(ids.map((id) => h.client.run(['sh', '-c', SCRIPT], id)));
    const views = await Promise.all(ids.map((id) => waitSealed(h.client, id, 300_000)));
    const seconds = (Date.now() - startedAt) / 1000;
    const stats = logsCalls(await strict.stats());
    const getLogEvents = (await strict.stats()).operations['logs:GetLogEvents'];
    console.log(
      `read quota run: ${seconds.toFixed(1)} s, CloudWatch ${stats.calls} calls (${(stats.calls / seconds).toFixed(1)}/s), ` +
        `GetLogEvents ${getLogEvents?.calls ?? 0} calls (${((getLogEvents?.calls ?? 0) / seconds).toFixed(1)}/s), ` +
        `throttled ${getLogEvents?.throttled ?? 0} (${((getLogEvents?.throttled ?? 0) / seconds).toFixed(1)}/s)`,
    );
    for (const [i, id] of ids.entries()) {
      expect(views[i]).toMatchObject({ status: 'SUCCEEDED', sealed: true, last_index: LINES });
      const { events } = await readAllLogs(h.client, id);
      expect(events.map((e) => e.index)).toEqual(Array.from({ length: LINES }, (_, j) => j + 1));
      expect(events.map((e) => e.message)).toEqual(Array.from({ length: LINES }, (_, j) => `line ${j + 1}`));
    }
    expect(stats.getLogEvents).toBeGreaterThan(0);
  });
});
