import { MESSAGE_ESCAPE, putBatchEnd, putEventBytes, splitForPut, type LogEvent } from '../../../src/domain';

const at = (message: string, timestamp = 0): LogEvent => ({ timestamp, message });

describe('splitForPut', () => {
  test('counts each line as CloudWatch will: its encoded UTF-8 bytes plus 26', () => {
    expect(putEventBytes('abc')).toBe(3 + 26);
    expect(putEventBytes('é')).toBe(2 + 26);
    // An empty line is stored as the escape character (3 bytes); so is an escape-led line, doubled.
    expect(putEventBytes('')).toBe(3 + 26);
    expect(putEventBytes(`${MESSAGE_ESCAPE}x`)).toBe(7 + 26);
  });

  test('at most 10,000 events per call', () => {
    const batches = splitForPut(Array.from({ length: 25_000 }, () => at('x')));
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5000]);
  });

  test('at most 1,048,576 bytes per call, counted encoded', () => {
    // 10,000 blank lines: 290,000 bytes stored (escape + 26 each), although their text is empty.
    expect(splitForPut(Array.from({ length: 10_000 }, () => at(''))).map((b) => b.length)).toEqual([10_000]);
    const line = 'y'.repeat(262_000);
    expect(splitForPut(Array.from({ length: 5 }, () => at(line))).map((b) => b.length)).toEqual([4, 1]);
  });

  test('a call spans less than 24 hours', () => {
    const day = 24 * 3600_000;
    const batches = splitForPut([at('a', 0), at('b', day - 1), at('c', day), at('d', day + 5)]);
    expect(batches.map((b) => b.map((e) => e.message))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  test('putBatchEnd takes at least one event, even one too large for any call', () => {
    const events = [at('z'.repeat(2_000_000)), at('next')];
    expect(putBatchEnd(events, 0)).toBe(1);
    expect(putBatchEnd(events, 1)).toBe(2);
    expect(putBatchEnd(events, 2)).toBe(2);
  });
});
