import {
  advanceCursor,
  consumedAt,
  initialCursor,
  parseCursor,
  positionOf,
  resumeWithoutToken,
  withKnownTimestamps,
  type SourceCursor,
} from '../../../src/domain';

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
    ['a string startTime', { streams: { a: { skip: 0, startTime: '5' } } }],
    ['a negative lastTimestamp', { streams: { a: { skip: 0, lastTimestamp: -1, lastTimestampCount: 1 } } }],
    ['a fractional lastTimestampCount', { streams: { a: { skip: 0, lastTimestamp: 5, lastTimestampCount: 0.5 } } }],
    ['a count without its timestamp', { streams: { a: { skip: 0, lastTimestampCount: 2 } } }],
  ])('rejects %s', (_label, value) => {
    expect((thrown(() => parseCursor(value)) as Error).name).toBe('TypeError');
  });

  // A skip counts events on a page: a fraction can only be corruption.
  test('rejects a fractional skip', () => {
    expect((thrown(() => parseCursor({ streams: { a: { skip: 1.5 } } })) as Error).name).toBe('TypeError');
  });
});

describe('positions that outlive their tokens', () => {
  test('parseCursor keeps the timestamp fields and reads cursors stored without them', () => {
    const position = { token: 'f/3', skip: 2, startTime: 10, lastTimestamp: 12, lastTimestampCount: 3 };
    expect(parseCursor({ streams: { a: position } }).streams.a).toStrictEqual(position);
    expect(parseCursor({ streams: { a: { token: 'f/3', skip: 2 } } }).streams.a).toStrictEqual({
      token: 'f/3',
      skip: 2,
    });
  });

  test('consumedAt counts the events of the last millisecond', () => {
    const head = withKnownTimestamps({ skip: 0 });
    expect(head).toEqual({ skip: 0, lastTimestampCount: 0 });
    const one = { ...head, ...consumedAt(head, 7) };
    expect(one).toMatchObject({ lastTimestamp: 7, lastTimestampCount: 1 });
    const two = { ...one, ...consumedAt(one, 7) };
    expect(two).toMatchObject({ lastTimestamp: 7, lastTimestampCount: 2 });
    expect(consumedAt(two, 8)).toEqual({ lastTimestamp: 8, lastTimestampCount: 1 });
  });

  test('an old position learns its count only when a new millisecond starts', () => {
    const old = { token: 'f/3', skip: 1 };
    expect(withKnownTimestamps(old)).toBe(old);
    const first = { ...old, ...consumedAt(old, 7) };
    expect(first).toStrictEqual({ token: 'f/3', skip: 1, lastTimestamp: 7 });
    expect(consumedAt(first, 7)).toStrictEqual({ lastTimestamp: 7 });
    expect(consumedAt(first, 9)).toStrictEqual({ lastTimestamp: 9, lastTimestampCount: 1 });
  });

  test('resumeWithoutToken reads from the last timestamp, skipping what was consumed there', () => {
    expect(resumeWithoutToken({ token: 't', skip: 4, lastTimestamp: 12, lastTimestampCount: 3 })).toEqual({
      startTime: 12,
      skip: 3,
      lastTimestamp: 12,
      lastTimestampCount: 3,
    });
    expect(resumeWithoutToken({ token: 't', skip: 0, lastTimestampCount: 0 })).toEqual({
      skip: 0,
      lastTimestampCount: 0,
    });
    expect(resumeWithoutToken({ token: 't', skip: 4 })).toBeUndefined();
    expect(resumeWithoutToken({ token: 't', skip: 4, lastTimestamp: 12 })).toBeUndefined();
  });
});

describe('positions of pushed events', () => {
  const pushed = {
    skip: 0,
    lastTimestamp: 1000,
    lastTimestampCount: 2,
    shardId: 'shardId-000000000003',
    sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
    subIndex: 4,
    recentIds: ['31953106606966983378809025079804211143289615424298221568', '7'],
    firstId: '1',
  };

  test('parseCursor keeps the push fields', () => {
    const cursor = { streams: { app: pushed, other: { skip: 0, recentIds: [] } } };
    expect(parseCursor(JSON.parse(JSON.stringify(cursor)))).toEqual(cursor);
  });

  test('parseCursor refuses a malformed origin or id window', () => {
    const bad = [
      { shardId: 'shardId-0' }, // origin fields come together
      { shardId: 'shardId-0', sequenceNumber: '1' },
      { ...pushed, shardId: '' },
      { ...pushed, sequenceNumber: '12a' },
      { ...pushed, sequenceNumber: 49546986683135 },
      { ...pushed, sequenceNumber: '1'.repeat(129) },
      { ...pushed, subIndex: -1 },
      { ...pushed, subIndex: 1.5 },
      { ...pushed, recentIds: 'a' },
      { ...pushed, recentIds: ['a', ''] },
      { ...pushed, recentIds: ['a', 7] },
      { ...pushed, firstId: '' },
      { ...pushed, firstId: 3 },
    ];
    for (const position of bad) {
      const error = thrown(() => parseCursor({ streams: { app: { skip: 0, ...position } } }));
      expect((error as Error).name).toBe('TypeError');
    }
  });
});
