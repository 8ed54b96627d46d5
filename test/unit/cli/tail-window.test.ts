import { readTail, type RangeReader } from '../../../src/cli/tail-window';
import type { IndexedEvent } from '../../../src/domain';

// A stored log 1..size whose every read is recorded: the tail must read only the end of the log.
function storedLog(size: number, message: (index: number) => string = (i) => `line ${i}`) {
  const reads: [number, number][] = [];
  const read: RangeReader = async (since, upTo) => {
    reads.push([since, upTo]);
    const events: IndexedEvent[] = [];
    for (let i = since + 1; i <= Math.min(upTo, size); i++)
      events.push({ index: i, timestamp: i, message: message(i) });
    return events;
  };
  return { read, reads };
}

const all = (): boolean => true;

describe('--tail N reads the log backwards from its last index', () => {
  it('without a filter, exactly the last N events in one read', async () => {
    const log = storedLog(200_000);
    const tail = await readTail(log.read, { lastIndex: 200_000, floor: 0, count: 20, keep: all });
    expect(tail.map((e) => e.index)).toEqual(Array.from({ length: 20 }, (_, i) => 199_981 + i));
    expect(log.reads).toEqual([[199_980, 200_000]]);
  });

  it('with a filter, windows that grow until N lines match, never before what is needed', async () => {
    // One ERROR every 1,000 lines: the last 20 need 20,000 lines, read in windows of 2,000, 4,000, 8,000, 10,000.
    const log = storedLog(200_000, (i) => (i % 1000 === 0 ? `ERROR ${i}` : `ok ${i}`));
    const keep = (e: IndexedEvent): boolean => e.message.startsWith('ERROR');
    const tail = await readTail(log.read, {
      lastIndex: 200_000,
      floor: 0,
      count: 20,
      keep,
      firstWindow: 2000,
      maxWindow: 10_000,
    });
    expect(tail.map((e) => e.index)).toEqual(Array.from({ length: 20 }, (_, i) => 181_000 + i * 1000));
    expect(log.reads).toEqual([
      [198_000, 200_000],
      [194_000, 198_000],
      [186_000, 194_000],
      [176_000, 186_000],
    ]);
  });

  it('stops at the floor (--since-index) and at the start of the log, with fewer lines than asked', async () => {
    const log = storedLog(50);
    expect((await readTail(log.read, { lastIndex: 50, floor: 45, count: 20, keep: all })).map((e) => e.index)).toEqual([
      46, 47, 48, 49, 50,
    ]);
    expect(log.reads).toEqual([[45, 50]]);
    const small = storedLog(3);
    expect(await readTail(small.read, { lastIndex: 3, floor: 0, count: 10, keep: () => false })).toEqual([]);
    expect(small.reads).toEqual([[0, 3]]);
  });

  it('--tail 0 and an empty log read nothing', async () => {
    const log = storedLog(10);
    expect(await readTail(log.read, { lastIndex: 10, floor: 0, count: 0, keep: all })).toEqual([]);
    expect(await readTail(log.read, { lastIndex: 0, floor: 0, count: 5, keep: all })).toEqual([]);
    expect(log.reads).toEqual([]);
  });
});
