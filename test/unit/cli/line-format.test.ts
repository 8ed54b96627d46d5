import { paint, streamStyle, useColor } from '../../../src/cli/colors';
import { formatEvent, formatTimestamp, highlight } from '../../../src/cli/line-format';

const event = { index: 7, timestamp: Date.UTC(2026, 10, 27, 15, 4, 5, 6), message: 'an ERROR and another ERROR' };
const plain = { json: false, timestamps: false, color: false };

describe('how logstream prints a line', () => {
  it('prints the message alone by default, blank lines as blank lines', () => {
    expect(formatEvent(event, plain)).toBe('an ERROR and another ERROR');
    expect(formatEvent({ ...event, message: '' }, plain)).toBe('');
  });

  it('--timestamps prefixes the ISO 8601 UTC time with milliseconds', () => {
    expect(formatEvent(event, { ...plain, timestamps: true })).toBe(
      '2026-11-27T15:04:05.006Z an ERROR and another ERROR',
    );
    expect(formatTimestamp(8.64e15 + 1)).toBe('8640000000000001');
  });

  it('--json prints the event as one JSON line, uncoloured', () => {
    expect(formatEvent(event, { json: true, timestamps: false, color: true, highlight: /ERROR/ })).toBe(
      JSON.stringify(event),
    );
  });

  it('colours the time dimmed and every grep match in bold red, only when colouring', () => {
    expect(formatEvent(event, { ...plain, timestamps: true, color: true, highlight: /ERR(OR)/ })).toBe(
      '\u001b[2m2026-11-27T15:04:05.006Z\u001b[22m an \u001b[1;31mERROR\u001b[22;39m and another \u001b[1;31mERROR\u001b[22;39m',
    );
    expect(formatEvent(event, { ...plain, highlight: /ERROR/ })).toBe(event.message);
    expect(highlight('abc', /x*/)).toBe('abc');
  });

  it('colours on a terminal unless NO_COLOR is set and non-empty; a flag given wins', () => {
    expect(useColor(undefined, {}, true)).toBe(true);
    expect(useColor(undefined, {}, false)).toBe(false);
    expect(useColor(undefined, { NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor(undefined, { NO_COLOR: '' }, true)).toBe(true);
    expect(useColor(false, {}, true)).toBe(false);
    expect(useColor(true, { NO_COLOR: '1' }, false)).toBe(true);
  });
});

describe('--prefix: each line behind its stream', () => {
  const line = (stream: string, message = 'x') => ({ index: 1, timestamp: 0, stream, message });

  it('puts [stream] in front, before the time', () => {
    expect(formatEvent(line('stderr'), { ...plain, prefix: true })).toBe('[stderr] x');
    expect(formatEvent(line('job/web'), { ...plain, prefix: true, timestamps: true })).toBe(
      '[job/web] 1970-01-01T00:00:00.000Z x',
    );
  });

  it('colours a stream the same on every line and every run: stderr red, other names by their hash', () => {
    const coloured = { ...plain, color: true, prefix: true };
    expect(formatEvent(line('stderr'), coloured)).toBe(`${paint('[stderr]', 'red')} x`);
    expect(streamStyle('stderr')).toBe('red');
    const names = ['stdout', 'job/web', 'job/worker', 'a', 'b', 'c', 'd'];
    for (const name of names) {
      expect(streamStyle(name)).toBe(streamStyle(name));
      expect(streamStyle(name)).not.toBe('red');
      expect(formatEvent(line(name), coloured)).toBe(`${paint(`[${name}]`, streamStyle(name))} x`);
    }
    expect(new Set(names.map(streamStyle)).size).toBeGreaterThan(1);
  });
});
