import type { LogEvent, LogLocation } from '../../src/domain';
import { LogPump, readStoredEvents } from '../../src/ports';
import { newExecutionId, type Harness } from '../support/harness';
import { useStrictHarness } from '../support/strict-harness';

// One log stream written by several writers whose clocks and batches interleave (an agent, a
// fleet): GetLogEvents shows a stream's events by timestamp, so the stored order is the order in
// which a read first shows them after the cursor. Events that land ahead of what was read are
// stored exactly once; these tests drive the real adapters through the strict layer, with the
// reader's position between writes chosen by the test (one pump to the end at each step).

describe('out-of-order timestamps in one stream (strict AWS layer)', () => {
  let h: Harness;
  useStrictHarness((started) => (h = started), { worker: false });

  async function setup(): Promise<{
    id: string;
    put: (events: LogEvent[]) => Promise<void>;
    drain: () => Promise<string[]>;
  }> {
    const id = newExecutionId('out-of-order');
    const stream = `external/${id}`;
    const location: LogLocation = { logGroup: h.config.logGroup, logStreams: [stream] };
    await h.aws.source.createStream(h.config.logGroup, stream);
    await h.aws.store.registerExecution({ executionId: id, location, startedAt: Date.now() });
    const pump = new LogPump(h.aws.store, h.aws.source, { executionId: id, location });
    return {
      id,
      put: async (events) => void (await h.aws.source.putEvents(h.config.logGroup, stream, events)),
      // Reads to the end of the stream (the token given comes back), storing everything new.
      drain: async () => {
        for (let round = 0; round < 1000; round++) {
          const result = await pump.pump();
          if (result.appended === 0 && result.exhausted) break;
        }
        const page = await readStoredEvents(h.aws.store, id, 0, 100_000);
        expect(page.events.map((e) => e.index)).toEqual(page.events.map((_, i) => i + 1));
        return page.events.map((e) => e.message);
      },
    };
  }

  test('batches of two writers with interleaved timestamps, all ahead of the reader: stored once, by timestamp', async () => {
    const t = Date.now() - 60_000;
    const s = await setup();
    const at = (offset: number, writer: string): LogEvent => ({
      timestamp: t + offset,
      message: `${writer} ${offset}`,
    });
    // Writer a is behind writer b; each batch is chronological on its own.
    await s.put([at(10, 'b'), at(30, 'b')]);
    await s.put([at(0, 'a'), at(20, 'a')]);
    expect(await s.drain()).toEqual(['a 0', 'b 10', 'a 20', 'b 30']);
    // The reader is at 30 now; both writers go on, a still behind b but ahead of the reader.
    await s.put([at(60, 'b'), at(70, 'b')]);
    await s.put([at(30, 'a'), at(40, 'a'), at(60, 'a')]);
    expect(await s.drain()).toEqual(['a 0', 'b 10', 'a 20', 'b 30', 'a 30', 'a 40', 'b 60', 'a 60', 'b 70']);
  });

  test('a late batch at the very millisecond the reader stopped at is stored after what was read there', async () => {
    const t = Date.now() - 60_000;
    const s = await setup();
    await s.put(Array.from({ length: 5 }, (_, i) => ({ timestamp: t, message: `first ${i}` })));
    await s.drain();
    await s.put(Array.from({ length: 3 }, (_, i) => ({ timestamp: t, message: `late ${i}` })));
    expect(await s.drain()).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `first ${i}`),
      ...Array.from({ length: 3 }, (_, i) => `late ${i}`),
    ]);
  });

  test('events arriving behind the reader are not shown, nor are the events they push along shown again', async () => {
    const t = Date.now() - 60_000;
    const s = await setup();
    await s.put([10, 20, 30].map((offset) => ({ timestamp: t + offset, message: `on time ${offset}` })));
    expect(await s.drain()).toEqual(['on time 10', 'on time 20', 'on time 30']);
    // Behind the reader (at 30): no forward token shows them. The emulator's tokens count events, so these
    // two push 20 and 30 back past the token, where they would be read a second time without the check.
    await s.put([11, 12].map((offset) => ({ timestamp: t + offset, message: `late ${offset}` })));
    await s.put([40].map((offset) => ({ timestamp: t + offset, message: `on time ${offset}` })));
    expect(await s.drain()).toEqual(['on time 10', 'on time 20', 'on time 30', 'on time 40']);
  });
});
