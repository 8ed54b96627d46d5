import { MAX_EXECUTION_ID_LENGTH, parseExecutionId } from '../../../src/domain';

function thrown(fn: () => unknown): { code?: unknown; field?: unknown; name?: unknown; message?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a throw');
}

describe('parseExecutionId', () => {
  test.each([
    'a',
    '0',
    'job-42',
    'Build.2024_01:run-7',
    'a..b',
    '550e8400-e29b-41d4-a716-446655440000',
    'x'.repeat(MAX_EXECUTION_ID_LENGTH),
  ])('accepts %j', (id) => {
    expect(parseExecutionId(id)).toBe(id);
  });

  test('the longest id is 128 characters', () => {
    expect(MAX_EXECUTION_ID_LENGTH).toBe(128);
  });

  test.each([
    ['too long (129)', 'x'.repeat(129)],
    ['a path escape', '../x'],
    ['a dot', '.'],
    ['a leading dot', '.hidden'],
    ['a leading dash', '-x'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a space', 'a b'],
    ['a newline', 'a\nb'],
    ['a NUL', 'a\u0000b'],
    ['a tab', '\tx'],
    ['DEL', 'a\u007f'],
    ['non-ASCII letters', 'café'],
    ['an emoji', 'job😀'],
    ['a query string', 'a?b=c'],
    ['empty', ''],
  ])('rejects %s with INVALID_INPUT', (_label, id) => {
    const error = thrown(() => parseExecutionId(id));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.name).toBe('InvalidInputError');
    expect(error.field).toBe('execution_id');
  });

  test.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { id: 'a' }],
    ['an array', ['a']],
  ])('rejects %s with INVALID_INPUT', (_label, value) => {
    expect(thrown(() => parseExecutionId(value)).code).toBe('INVALID_INPUT');
  });

  test('names the field it was given in the error', () => {
    const error = thrown(() => parseExecutionId('../x', 'id'));
    expect(error.field).toBe('id');
    expect(String(error.message)).toContain('id');
  });
});
