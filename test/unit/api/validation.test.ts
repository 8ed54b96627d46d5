import {
  hasControlCharacter,
  MAX_COMMAND_ARGS,
  MAX_COMMAND_CHARS,
  MAX_LOGS_LIMIT,
  parseCommand,
  parseCompletedAt,
  parseEventCount,
  parseLimit,
  parseLogGroup,
  parseLogStream,
  parseLogStreams,
  MAX_LOG_STREAMS,
  parseTerminalStatus,
  rejectUnknownFields,
} from '../../../src/api/validation';
import { parseIndexParam } from '../../../src/domain';

function thrown(fn: () => unknown): { code?: unknown; field?: unknown; message?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a throw');
}

/** Asserts `fn` throws INVALID_INPUT naming `field`. */
function expectInvalid(fn: () => unknown, field: string): void {
  const error = thrown(fn);
  expect(error.code).toBe('INVALID_INPUT');
  expect(error.field).toBe(field);
}

describe('parseIndexParam', () => {
  test('absent → the fallback', () => {
    expect(parseIndexParam(undefined, 'since_index', 0, 1e15)).toBe(0);
  });

  test.each([
    ['0', 0],
    ['7', 7],
    ['007', 7],
    ['999999999999999', 999_999_999_999_999],
  ])('accepts %j', (raw, value) => {
    expect(parseIndexParam(raw, 'since_index', 0, Number.MAX_SAFE_INTEGER)).toBe(value);
  });

  test.each(['', '-1', '1.5', '1e3', ' 1', '1 ', '0x10', 'abc', '+1', '1234567890123456'])('rejects %j', (raw) => {
    expectInvalid(() => parseIndexParam(raw, 'since_index', 0, Number.MAX_SAFE_INTEGER), 'since_index');
  });

  test('rejects values above the maximum, accepts the maximum', () => {
    expect(parseIndexParam('100', 'n', 0, 100)).toBe(100);
    expectInvalid(() => parseIndexParam('101', 'n', 0, 100), 'n');
  });
});

describe('parseLimit', () => {
  test('defaults to the largest page', () => {
    expect(parseLimit(undefined)).toBe(MAX_LOGS_LIMIT);
    expect(MAX_LOGS_LIMIT).toBe(10_000);
  });

  test.each([
    ['1', 1],
    ['500', 500],
    ['10000', 10_000],
  ])('accepts %j', (raw, value) => {
    expect(parseLimit(raw)).toBe(value);
  });

  test.each(['0', '10001', '-5', 'ten', ''])('rejects %j', (raw) => {
    expectInvalid(() => parseLimit(raw), 'limit');
  });

  test('honours a smaller maximum', () => {
    expect(parseLimit(undefined, 50)).toBe(50);
    expectInvalid(() => parseLimit('51', 50), 'limit');
  });
});

describe('parseCommand', () => {
  test.each([[['sh', '-c', 'echo hi']], [['ls']], [['echo', '']], [['printf', 'ünïcödé 😀']]])('accepts %j', (argv) => {
    expect(parseCommand(argv)).toEqual(argv);
  });

  test('accepts the most arguments and characters allowed', () => {
    expect(parseCommand(Array.from({ length: MAX_COMMAND_ARGS }, () => 'a'))).toHaveLength(MAX_COMMAND_ARGS);
    expect(parseCommand(['x', 'y'.repeat(MAX_COMMAND_CHARS - 1)])).toHaveLength(2);
  });

  test.each([
    ['not an array', 'sh -c ls'],
    ['an object', { 0: 'ls' }],
    ['null', null],
    ['undefined', undefined],
    ['empty', []],
    ['a number argument', ['echo', 1]],
    ['a null argument', ['echo', null]],
    ['a NUL in an argument', ['echo', 'a\0b']],
    ['an empty program', ['', 'x']],
    ['too many arguments', Array.from({ length: MAX_COMMAND_ARGS + 1 }, () => 'a')],
    ['too many characters', ['x', 'y'.repeat(MAX_COMMAND_CHARS)]],
  ])('rejects %s', (_label, value) => {
    expectInvalid(() => parseCommand(value), 'command');
  });
});

describe('parseLogGroup', () => {
  test.each(['/logstream/executions', 'a', 'my_group-1.prod#x', 'g'.repeat(512)])('accepts %j', (group) => {
    expect(parseLogGroup(group)).toBe(group);
  });

  test.each([
    ['empty', ''],
    ['too long', 'g'.repeat(513)],
    ['a colon', 'a:b'],
    ['a space', 'a b'],
    ['a star', 'a*'],
    ['non-ASCII', 'grüße'],
    ['a newline', 'a\n'],
    ['a number', 5],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expectInvalid(() => parseLogGroup(value), 'log_group');
  });
});

describe('parseLogStream', () => {
  test.each(['executions/abc', 'my stream', 'ünïcödé', 's'.repeat(512), '[$LATEST]abc'])('accepts %j', (stream) => {
    expect(parseLogStream(stream)).toBe(stream);
  });

  test.each([
    ['empty', ''],
    ['too long', 's'.repeat(513)],
    ['a colon', 'a:b'],
    ['a star', 'a*b'],
    ['a newline', 'a\nb'],
    ['a NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['a tab', 'a\tb'],
    ['a number', 1],
    ['an array', ['a']],
  ])('rejects %s', (_label, value) => {
    expectInvalid(() => parseLogStream(value), 'log_stream');
  });
});

describe('parseTerminalStatus', () => {
  test.each(['SUCCEEDED', 'FAILED', 'STOPPED'] as const)('accepts %s', (status) => {
    expect(parseTerminalStatus(status)).toBe(status);
  });

  test.each(['RUNNING', 'succeeded', '', 'DONE', null, 1, undefined])('rejects %j', (value) => {
    expectInvalid(() => parseTerminalStatus(value), 'status');
  });
});

describe('parseCompletedAt', () => {
  const now = Date.parse('2026-03-01T12:00:00.000Z');

  test('absent or null → now', () => {
    expect(parseCompletedAt(undefined, now)).toBe(now);
    expect(parseCompletedAt(null, now)).toBe(now);
  });

  test('accepts epoch milliseconds and ISO-8601 times', () => {
    expect(parseCompletedAt(now - 1000, now)).toBe(now - 1000);
    expect(parseCompletedAt('2026-03-01T11:59:00.000Z', now)).toBe(now - 60_000);
    expect(parseCompletedAt('2026-03-01T13:59:00+02:00', now)).toBe(now - 60_000);
  });

  test('tolerates up to five minutes of clock skew into the future', () => {
    expect(parseCompletedAt(now + 5 * 60_000, now)).toBe(now + 5 * 60_000);
    expectInvalid(() => parseCompletedAt(now + 5 * 60_000 + 1, now), 'completed_at');
    expectInvalid(() => parseCompletedAt('2027-01-01T00:00:00Z', now), 'completed_at');
  });

  test.each([
    ['a fraction', 1_700_000_000_000.5],
    ['zero', 0],
    ['negative', -5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['garbage text', 'yesterday-ish'],
    ['an empty string', ''],
    ['a boolean', true],
    ['an object', { ms: 1 }],
  ])('rejects %s', (_label, value) => {
    expectInvalid(() => parseCompletedAt(value, now), 'completed_at');
  });
});

describe('rejectUnknownFields', () => {
  test('passes a body with allowed fields only', () => {
    expect(() => rejectUnknownFields({ status: 'FAILED' }, ['status', 'completed_at'])).not.toThrow();
    expect(() => rejectUnknownFields({}, [])).not.toThrow();
  });

  test('names the first unknown field', () => {
    const error = thrown(() => rejectUnknownFields({ status: 'FAILED', stauts: 'x' }, ['status']));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.field).toBe('stauts');
    expect(String(error.message)).toContain('stauts');
  });

  test('does not treat Object.prototype members as allowed', () => {
    expectInvalid(
      () => rejectUnknownFields(JSON.parse('{"constructor":1}') as Record<string, unknown>, []),
      'constructor',
    );
  });
});

describe('hasControlCharacter', () => {
  test.each(['\u0000', '\u001f', '\t', '\n', '\r', '\u007f', 'ok\u0001'])('finds one in %j', (text) => {
    expect(hasControlCharacter(text)).toBe(true);
  });

  test.each(['', 'plain', ' ', '~', 'é', '\u0080', '中', '😀'])('finds none in %j', (text) => {
    expect(hasControlCharacter(text)).toBe(false);
  });
});

describe('parseEventCount', () => {
  test('takes a non-negative integer: what the producer put into CloudWatch', () => {
    expect(parseEventCount(0)).toBe(0);
    expect(parseEventCount(25_000)).toBe(25_000);
  });

  test('refuses anything else, naming event_count', () => {
    for (const bad of [-1, 1.5, '12', null, Number.NaN, 2 ** 60, true])
      expectInvalid(() => parseEventCount(bad), 'event_count');
  });
});

describe('parseLogStreams', () => {
  test('accepts 1 to MAX_LOG_STREAMS distinct names, in their order', () => {
    expect(parseLogStreams(['web'])).toEqual(['web']);
    expect(parseLogStreams(['web', 'worker/1'])).toEqual(['web', 'worker/1']);
    const most = Array.from({ length: MAX_LOG_STREAMS }, (_, i) => `s${i}`);
    expect(parseLogStreams(most)).toEqual(most);
  });

  test.each([
    ['not an array', 'web'],
    ['an empty array', []],
    ['too many', Array.from({ length: MAX_LOG_STREAMS + 1 }, (_, i) => `s${i}`)],
    ['a repeated name', ['web', 'worker', 'web']],
  ])('rejects %s, naming log_streams', (_label, value) => {
    expectInvalid(() => parseLogStreams(value), 'log_streams');
  });

  test.each([
    ['an empty name', ['web', '']],
    ['a colon', ['a:b']],
    ['a star', ['ok', 'a*b']],
    ['a control character', ['a\nb']],
    ['a number', ['web', 7]],
  ])('rejects %s, naming the element', (_label, value) => {
    const error = thrown(() => parseLogStreams(value));
    expect(error.code).toBe('INVALID_INPUT');
    expect(String(error.field)).toMatch(/^log_streams\[\d\]$/);
  });
});
