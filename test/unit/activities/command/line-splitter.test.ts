import { LineSplitter, MAX_MESSAGE_BYTES } from '../../../../activities/command/line-splitter';
import { encodeMessage, MESSAGE_ESCAPE, STDERR_MARKER } from '../../../../src/domain';

/** Feeds `chunks` to a splitter and ends it; returns the lines emitted. */
function split(chunks: readonly (Buffer | string)[], maxBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxBytes);
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  splitter.end();
  return lines;
}

/** Every way of cutting `bytes` in two. */
function cutsOf(bytes: Buffer): Buffer[][] {
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]);
}

describe('LineSplitter', () => {
  test('splits on newlines and keeps empty lines', () => {
    expect(split(['one\ntwo\n\nfour\n'])).toEqual(['one', 'two', '', 'four']);
  });

  test('joins a line split across pushes', () => {
    expect(split(['hel', 'lo wor', 'ld\nnext', ' line\n'])).toEqual(['hello world', 'next line']);
  });

  test('one byte at a time gives the same lines', () => {
    const text = 'alpha\nbeta gamma\n\ndelta\n';
    const bytes = Buffer.from(text);
    expect(split(Array.from(bytes, (b) => Buffer.from([b])))).toEqual(['alpha', 'beta gamma', '', 'delta']);
  });

  test('emits a final line without a newline on end()', () => {
    expect(split(['first\nlast'])).toEqual(['first', 'last']);
  });

  test('end() after a trailing newline emits nothing more', () => {
    expect(split(['only\n'])).toEqual(['only']);
    expect(split([])).toEqual([]);
  });

  test('strips the CR of CRLF, not other CRs', () => {
    expect(split(['dos\r\nline\r', '\nmid\rdle\n'])).toEqual(['dos', 'line', 'mid\rdle']);
  });

  test.each(['é', '中', '😀', '👨‍👩‍👧'])('keeps %s whole wherever a push cuts it', (character) => {
    const text = `a${character}b\n${character}\n`;
    for (const cut of cutsOf(Buffer.from(text))) expect(split(cut)).toEqual([`a${character}b`, character]);
  });

  test('turns invalid UTF-8 into U+FFFD without touching the neighbouring lines or characters', () => {
    const bytes = Buffer.concat([
      Buffer.from('before\n'),
      Buffer.from('x'),
      Buffer.from([0xff, 0xc3]), // an invalid byte and a truncated 2-byte sequence
      Buffer.from('é y\n'),
      Buffer.from([0xe4, 0xb8]), // a truncated 3-byte sequence at the end of a line
      Buffer.from('\nafter 中\n'),
    ]);
    const expected = ['before', 'x\uFFFD\uFFFDé y', '\uFFFD', 'after 中'];
    expect(split([bytes])).toEqual(expected);
    for (const cut of cutsOf(bytes)) expect(split(cut)).toEqual(expected);
  });

  test('a 600 KB line becomes pieces of at most MAX_MESSAGE_BYTES bytes whose concatenation is the line', () => {
    const unit = 'log 日本語 😀 é ';
    const line = unit.repeat(Math.ceil((600 * 1024) / Buffer.byteLength(unit)));
    const lines = split([`short\n${line.slice(0, 1000)}`, line.slice(1000), '\nnext\n']);
    expect(lines[0]).toBe('short');
    expect(lines.at(-1)).toBe('next');
    const pieces = lines.slice(1, -1);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const piece of pieces) {
      expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(piece).not.toContain('\uFFFD');
    }
    expect(pieces.join('')).toBe(line);
  });

  test('MAX_MESSAGE_BYTES leaves room for the 26 bytes CloudWatch counts per event and the stderr marker', () => {
    expect(MAX_MESSAGE_BYTES + 26 + Buffer.byteLength(STDERR_MARKER)).toBe(256 * 1024);
  });

  test('every piece of any line, once encoded for CloudWatch, fits in one event', () => {
    const line = MESSAGE_ESCAPE.repeat(100_000) + '\n';
    for (const piece of split([line])) {
      expect(Buffer.byteLength(encodeMessage(piece)) + 26).toBeLessThanOrEqual(256 * 1024);
      expect(Buffer.byteLength(encodeMessage(piece, true)) + 26).toBeLessThanOrEqual(256 * 1024);
    }
  });

  test('long lines are cut at character boundaries with a small bound too', () => {
    const line = '€'.repeat(50); // 150 bytes
    const pieces = split([`${line}\n`], 16);
    expect(pieces.join('')).toBe(line);
    for (const piece of pieces) {
      expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(16);
      expect(piece).toMatch(/^€+$/);
    }
  });

  // A pipe of binary data (e.g. `cat` of a binary file) is all invalid UTF-8: each invalid byte becomes
  // U+FFFD, 3 bytes, so a piece cut at maxBytes *bytes of input* can be three times too big for CloudWatch.
  test('a long run of invalid bytes still yields pieces within the bound once decoded', () => {
    const pieces = split([Buffer.alloc(200, 0xff), Buffer.from('\n')], 64);
    expect(pieces.join('')).toBe('\uFFFD'.repeat(200));
    for (const piece of pieces) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(64);
    const binary = split([Buffer.alloc(300 * 1024, 0x80), Buffer.from('\n')]);
    for (const piece of binary) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  test('a line of exactly maxBytes followed by CRLF is one piece, not an extra empty line', () => {
    expect(split([`${'a'.repeat(16)}\r\nnext\n`], 16)).toEqual(['a'.repeat(16), 'next']);
  });
});
