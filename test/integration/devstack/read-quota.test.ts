import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newExecutionId, readAllLogs, waitFor, waitSealed, type Harness } from '../../support/harness';
import { useStrictHarness } from '../../support/strict-harness';

// Five jobs printing 200 lines a second each, with GetLogEvents held to 10 calls/s for the whole account (the strict
// layer's quota; AWS's is 25/s). The jobs print until the quota has refused calls (a state the test waits for), so
// the pollers ride real throttling; then every log is sealed exact, 1..N, and the calls served kept to the quota.

const JOBS = 5;
const PER_SECOND = 200;
const QUOTA = 10;

/** A job printing `line 1`, `line 2`, ... 200 a second until its marker exists; then it writes its count and exits. */
function quotaJob(): { command: string[]; end(): void; printed(): number | undefined; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-quota-'));
  const marker = path.join(dir, 'end');
  const count = path.join(dir, 'printed');
  const script =
    `i=0; while [ ! -e "$1" ]; do seq $((i + 1)) $((i + ${PER_SECOND})) | sed 's/^/line /'; ` +
    `i=$((i + ${PER_SECOND})); sleep 1; done; echo $i > "$2.tmp"; mv "$2.tmp" "$2"`;
  return {
    command: ['sh', '-c', script, 'quota-job', marker, count],
    end: () => writeFileSync(marker, ''),
    printed: () => (existsSync(count) ? Number(readFileSync(count, 'utf8').trim()) : undefined),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe(`read quota (strict AWS layer): GetLogEvents held to ${QUOTA} calls/s account-wide`, () => {
  let h: Harness;
  // The quota is the polling ingest's concern (push ingest reads no GetLogEvents): these executions are polled.
  const strict = useStrictHarness((started) => (h = started), { env: { LOGSTREAM_INGEST: 'poll' } });
  const jobs = Array.from({ length: JOBS }, () => quotaJob());
  afterAll(() => {
    for (const job of jobs) {
      job.end();
      job.cleanup();
    }
  });

  test(`${JOBS} concurrent jobs at ${PER_SECOND} lines/s each: calls throttled, every log sealed exact, 1..N`, async () => {
    await strict.setRules({ readQuotas: { GetLogEvents: QUOTA } });
    // Every call counted below comes after this instant (the bound on the calls served is counted from it).
    const startedAt = Date.now();
    await strict.resetStats();
    const getLogEvents = async () => (await strict.stats()).operations['logs:GetLogEvents'];
    const ids = jobs.map(() => newExecutionId('quota'));
    await Promise.all(ids.map((id, i) => h.client.start({ command: jobs[i]?.command ?? [], executionId: id })));
    // The quota bites: the pollers together ask for more than it allows, and some calls are refused.
    await waitFor('GetLogEvents calls throttled by the quota', async () =>
      ((await getLogEvents())?.throttled ?? 0) > 0 ? true : undefined,
    );
    for (const job of jobs) job.end();
    const views = await Promise.all(ids.map((id) => waitSealed(h.client, id, 300_000)));
    const stats = await getLogEvents();
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(
      `read quota run: ${seconds.toFixed(1)} s, GetLogEvents served ${stats?.calls ?? 0} ` +
        `(${((stats?.calls ?? 0) / seconds).toFixed(1)}/s), throttled ${stats?.throttled ?? 0}`,
    );
    for (const [i, id] of ids.entries()) {
      const lines = jobs[i]?.printed();
      expect(lines).toBeGreaterThan(0);
      expect(views[i]).toMatchObject({ status: 'SUCCEEDED', sealed: true, lastIndex: lines });
      const { events } = await readAllLogs(h.client, id);
      const expected = Array.from({ length: lines ?? 0 }, (_, j) => j + 1);
      expect(events.map((e) => e.index)).toEqual(expected);
      expect(events.map((e) => e.message)).toEqual(expected.map((j) => `line ${j}`));
    }
    // The layer counts every call it received (`calls`) and the refused ones (`throttled`); no one-second window
    // admitted more than the quota, so the calls served over the run are at most QUOTA per started second.
    expect(stats?.throttled).toBeGreaterThan(0);
    const served = (stats?.calls ?? 0) - (stats?.throttled ?? 0);
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(QUOTA * Math.ceil(seconds));
  });
});
