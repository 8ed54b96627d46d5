import { compileGrep, filtersNothing, lineFilter } from '../../../src/cli/line-filter';
import type { IndexedEvent } from '../../../src/domain';

const event = (index: number, timestamp: number, message: string): IndexedEvent => ({ index, timestamp, message });

describe('the line filter of logstream logs', () => {
  it('--grep is a regular expression; an invalid one is a usage error naming it', () => {
    expect(compileGrep('ERR(OR)?\\b').test('an ERROR here')).toBe(true);
    expect(compileGrep('^\\d+ ms$').test('12 ms')).toBe(true);
    expect(compileGrep('error').test('an ERROR')).toBe(false);
    expect(compileGrep('error', true).test('an ERROR')).toBe(true);
    expect(() => compileGrep('(')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: expect.stringMatching(/^--grep "\(" is not a valid regular expression/),
      }),
    );
    expect(() => compileGrep('[z-a]')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    // The API searches with RE2: lookaround and backreferences, valid in JavaScript, are refused before any read.
    for (const pattern of ['a(?=b)', '(a)\\1']) {
      expect(() => compileGrep(pattern)).toThrow(
        expect.objectContaining({
          code: 'USAGE',
          message: expect.stringContaining('is not an RE2 regular expression'),
        }),
      );
    }
    expect(() => compileGrep('')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '--grep needs a non-empty pattern' }),
    );
  });

  it('keeps the lines that match every condition; bounds are inclusive', () => {
    const keep = lineFilter({ grep: compileGrep('ERROR'), since: 100, until: 200 });
    expect(keep(event(1, 99, 'ERROR early'))).toBe(false);
    expect(keep(event(2, 100, 'ERROR at since'))).toBe(true);
    expect(keep(event(3, 150, 'fine'))).toBe(false);
    expect(keep(event(4, 200, 'ERROR at until'))).toBe(true);
    expect(keep(event(5, 201, 'ERROR late'))).toBe(false);
  });

  it('a grep pattern is not stateful across lines (no global flag)', () => {
    const keep = lineFilter({ grep: compileGrep('x') });
    expect([1, 2, 3, 4].map((i) => keep(event(i, 0, 'x')))).toEqual([true, true, true, true]);
  });

  it('no option filters nothing, blank lines included', () => {
    expect(filtersNothing({})).toBe(true);
    expect(filtersNothing({ since: 0 })).toBe(false);
    expect(lineFilter({})(event(1, 0, ''))).toBe(true);
  });
});
