import type { LogEvent } from '../../src/domain';
import { newExecutionId, readAllLogs, waitFor, waitSealed, type Harness } from '../support/harness';
import { useStrictHarness } from '../support/strict-harness';

// CloudWatch's forward tokens expire (24 h). Here the strict layer's token lifetime is tightened to
// 3 s and the live reader is held off by a 6 s throttle of GetLogEvents: the first read after it
// carries a token older than its lifetime, is refused, and resumes from the stored timestamp.

const TTL_MS = 3000;
const PAUSE_SECONDS = 6;

describe('an expired forward token (strict AWS layer): the paused reader resumes exactly', () => {
  let h: Harness;
  // Forward tokens are the polling ingest's (push ingest reads none): this execution is polled.
  const strict = useStrictHarness((started) => (h = started), { env: { LOGSTREAM_INGEST: 'poll' } });

  test('a running job, its reader paused past the token lifetime: sealed log exact, 1..N', async () => {
    const id = newExecutionId('token-expiry');
    const stream = `external/${id}`;
    await h.aws.source.createStream(h.config.logGroup, stream);
    await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
    let written = 0;
    // Several lines per millisecond, so the resumed read has to skip inside one millisecond.
    const write = async (count: number): Promise<void> => {
      const at = Date.now();
      const events: LogEvent[] = Array.from({ length: count }, (_, i) => ({
        timestamp: at + Math.floor(i / 7),
        message: `line ${written + i + 1}`,
      }));
      await h.aws.source.putEvents(h.config.logGroup, stream, events);
      written += count;
    };
    const stored = (n: number) =>
      waitFor(
        `${id} stored ${n} lines`,
        async () => ((await h.client.getHandle(id).describe()).lastIndex >= n ? true : undefined),
        120_000,
      );

    await write(300);
    await stored(300);
    await strict.setRules({ tokenTtlMs: TTL_MS });
    const refusedBefore = (await strict.stats()).operations['logs:GetLogEvents']?.rejected ?? 0;
    const pause = await strict.fault({
      service: 'logs',
      kind: 'throttle',
      fraction: 1,
      seconds: PAUSE_SECONDS,
      operations: ['GetLogEvents'],
    });
    await write(300);
    await waitFor('the pause to end', async () =>
      (await strict.state()).faults.some((fault) => fault.id === pause) ? undefined : true,
    );
    await stored(600);
    // The reader's first token after the pause was refused: the strict layer counted the refusal.
    const refusedAfter = (await strict.stats()).operations['logs:GetLogEvents']?.rejected ?? 0;
    expect(refusedAfter).toBeGreaterThan(refusedBefore);
    await write(100);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED', completedAt: Date.now() });
    const view = await waitSealed(h.client, id, 180_000);
    expect(view.lastIndex).toBe(700);
    const { events } = await readAllLogs(h.client, id);
    expect(events.map((e) => e.index)).toEqual(Array.from({ length: 700 }, (_, i) => i + 1));
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 700 }, (_, i) => `line ${i + 1}`));
  });
});
