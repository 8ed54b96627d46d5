import {
  decodeLine,
  decodeMessage,
  encodeMessage,
  MESSAGE_ESCAPE,
  MESSAGE_ESCAPE_BYTES,
  STDERR_MARKER,
  storedLine,
} from '../../../src/domain';

const E = MESSAGE_ESCAPE;

/** Every string of up to `length` characters over `alphabet`. */
function allStrings(alphabet: readonly string[], length: number): string[] {
  let level = [''];
  const all = [''];
  for (let i = 0; i < length; i++) {
    level = level.flatMap((prefix) => alphabet.map((char) => prefix + char));
    all.push(...level);
  }
  return all;
}

describe('message codec', () => {
  test.each([
    ['', E],
    [E, `${E}${E}`],
    [`${E}x`, `${E}${E}x`],
    [`${E}${E}`, `${E}${E}${E}`],
    [' ', ' '],
    ['   ', '   '],
    ['\t', '\t'],
    ['plain', 'plain'],
    [`a${E}`, `a${E}`],
  ])('%j is stored as %j', (line, stored) => {
    expect(encodeMessage(line)).toBe(stored);
    expect(decodeMessage(stored)).toBe(line);
  });

  test('every line round-trips, is stored non-empty, and grows by at most the escape', () => {
    const lines = allStrings([E, ' ', 'a', '\t', '中'], 4);
    const stored = new Set<string>();
    for (const line of lines) {
      const message = encodeMessage(line);
      expect(message.length).toBeGreaterThan(0);
      expect(decodeMessage(message)).toBe(line);
      expect(Buffer.byteLength(message) - Buffer.byteLength(line)).toBeLessThanOrEqual(MESSAGE_ESCAPE_BYTES);
      stored.add(message);
    }
    // Distinct lines are stored as distinct messages.
    expect(stored.size).toBe(lines.length);
  });

  test('MESSAGE_ESCAPE_BYTES is the longest prefix encoding adds: the stderr marker in UTF-8', () => {
    expect(Buffer.byteLength(STDERR_MARKER)).toBe(MESSAGE_ESCAPE_BYTES);
    expect(Buffer.byteLength(E)).toBeLessThan(MESSAGE_ESCAPE_BYTES);
  });

  test('a stderr line round-trips behind the marker, and no stdout line ever reads as stderr', () => {
    const lines = allStrings([E, 'a', ' ', 's', 'stderr '], 3);
    for (const line of lines) {
      const message = encodeMessage(line, true);
      expect(message.startsWith(STDERR_MARKER)).toBe(true);
      expect(decodeLine(message)).toEqual({ message: line, stderr: true });
      expect(decodeLine(encodeMessage(line))).toEqual({ message: line, stderr: false });
      expect(decodeLine(encodeMessage(STDERR_MARKER + line))).toEqual({ message: STDERR_MARKER + line, stderr: false });
    }
    expect(storedLine(encodeMessage('x', true))).toStrictEqual({ message: 'x', stderr: true });
    expect(storedLine('x')).toStrictEqual({ message: 'x' });
  });
});
