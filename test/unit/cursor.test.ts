import { advanceCursor, initialCursor, parseCursor, positionOf, type SourceCursor } from '../../src/domain';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('initialCursor', () => {
  test('puts every stream at its head', () => {
    expect(initialCursor(['a', 'b'])).toEqual({ streams: { a: { skip: 0 }, b: { skip: 0 } } });
    expect(initialCursor([])).toEqual({ streams: {} });
  });
});

describe('positionOf', () => {
  const cursor: SourceCursor = { streams: { a: { token: 'f/3', skip: 2 } } };

  test('returns the stored position of a known stream', () => {
    expect(positionOf(cursor, 'a')).toEqual({ token: 'f/3', skip: 2 });
  });

  test('returns the head for a stream the cursor does not know yet', () => {
    expect(positionOf(cursor, 'new')).toEqual({ skip: 0 });
  });

  test('returns the head for an unknown stream named like an Object.prototype member', () => {
    expect(positionOf(initialCursor(['a']), 'constructor')).toEqual({ skip: 0 });
    expect(positionOf(initialCursor(['a']), 'toString')).toEqual({ skip: 0 });
  });
});

describe('advanceCursor', () => {
  const cursor: SourceCursor = { streams: { a: { token: 'f/1', skip: 0 }, b: { skip: 4 } } };

  test('moves the given streams and keeps the others', () => {
    const moved = advanceCursor(cursor, new Map([['b', { token: 'f/9', skip: 1 }]]));
    expect(moved).toEqual({ streams: { a: { token: 'f/1', skip: 0 }, b: { token: 'f/9', skip: 1 } } });
  });

  test('adds a stream that was not in the cursor', () => {
    const moved = advanceCursor(cursor, new Map([['c', { skip: 2 }]]));
    expect(moved.streams).toEqual({ a: { token: 'f/1', skip: 0 }, b: { skip: 4 }, c: { skip: 2 } });
  });

  test('leaves the original cursor untouched', () => {
    const before = JSON.stringify(cursor);
    advanceCursor(cursor, new Map([['a', { token: 'f/2', skip: 0 }]]));
    expect(JSON.stringify(cursor)).toBe(before);
  });

  test('without moves returns the same cursor', () => {
    expect(advanceCursor(cursor, new Map())).toBe(cursor);
  });
});

// '__proto__' and 'constructor' are valid CloudWatch log stream names (parseLogStream accepts them).
// Assigning positions[stream] = ... with stream '__proto__' sets the object's prototype instead of
// storing a position, so the stream vanishes from the cursor (and from the JSON stored with a chunk).
describe('cursors with stream names that are Object.prototype members', () => {
  const position = { token: 'f/7', skip: 2 };

  test('initialCursor keeps a stream named __proto__', () => {
    expect(Object.keys(initialCursor(['__proto__']).streams)).toEqual(['__proto__']);
  });

  test('advanceCursor keeps a stream named __proto__', () => {
    const moved = advanceCursor(initialCursor(['a']), new Map([['__proto__', position]]));
    expect(JSON.parse(JSON.stringify(moved))).toEqual(
      JSON.parse('{"streams":{"a":{"skip":0},"__proto__":{"token":"f/7","skip":2}}}'),
    );
  });

  test('parseCursor keeps a stream named __proto__', () => {
    const stored = '{"streams":{"__proto__":{"token":"f/7","skip":2}}}';
    expect(JSON.stringify(parseCursor(JSON.parse(stored)))).toBe(stored);
  });

  test('positionOf finds a stored position of __proto__', () => {
    const cursor = parseCursor(JSON.parse('{"streams":{"__proto__":{"token":"f/7","skip":2}}}'));
    expect(positionOf(cursor, '__proto__')).toEqual(position);
  });
});

describe('parseCursor', () => {
  test('round-trips a cursor through JSON', () => {
    const cursor: SourceCursor = { streams: { a: { token: 'f/12', skip: 0 }, 'executions/x': { skip: 3 } } };
    expect(parseCursor(JSON.parse(JSON.stringify(cursor)))).toEqual(cursor);
  });

  test('keeps positions without a token free of a token key', () => {
    const parsed = parseCursor({ streams: { a: { skip: 1 } } });
    expect(parsed.streams.a).toStrictEqual({ skip: 1 });
  });

  test('accepts an empty cursor', () => {
    expect(parseCursor({ streams: {} })).toEqual({ streams: {} });
  });

  test.each([
    ['null', null],
    ['a string', 'cursor'],
    ['a number', 3],
    ['no streams', {}],
    ['streams not an object', { streams: 'a' }],
    ['streams null', { streams: null }],
    ['a null position', { streams: { a: null } }],
    ['a missing skip', { streams: { a: { token: 'f/1' } } }],
    ['a string skip', { streams: { a: { skip: '1' } } }],
    ['a negative skip', { streams: { a: { skip: -1 } } }],
    ['a numeric token', { streams: { a: { token: 5, skip: 0 } } }],
  ])('rejects %s', (_label, value) => {
    expect((thrown(() => parseCursor(value)) as Error).name).toBe('TypeError');
  });

  // A skip counts events on a page: a fraction can only be corruption.
  test('rejects a fractional skip', () => {
    expect((thrown(() => parseCursor({ streams: { a: { skip: 1.5 } } })) as Error).name).toBe('TypeError');
  });
});
