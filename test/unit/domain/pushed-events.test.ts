import { initialCursor, parseCursor, type SourceCursor, type StreamPosition } from '../../../src/domain';
import {
  afterStoredEvent,
  compareSequenceNumbers,
  freshPushedEvents,
  freshReadEvents,
  isAtOrBefore,
  type PushedRecord,
} from '../../../src/domain/pushed-events';

const SHARD = 'shardId-000000000000';
// Kinesis sequence numbers as AWS hands them out: 56 digits, far beyond Number.MAX_SAFE_INTEGER.
const SEQ_A = '49546986683135544286507457936321625675700192471156785154';
const SEQ_B = '49546986683135544286507457936321625675700192471156785155';
const SEQ_C = '49546986683135544286507457936321625675700192471156785200';
const T0 = 1_772_366_400_000;

function record(sequenceNumber: string, ids: readonly string[], stream = 'app', shardId = SHARD): PushedRecord {
  return {
    shardId,
    sequenceNumber,
    logStream: stream,
    events: ids.map((id, i) => ({ id, timestamp: T0 + i, message: `m-${id}` })),
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('compareSequenceNumbers', () => {
  test('orders by length first, then digit by digit, never as JS numbers', () => {
    expect(compareSequenceNumbers(SEQ_A, SEQ_B)).toBeLessThan(0);
    expect(compareSequenceNumbers(SEQ_B, SEQ_A)).toBeGreaterThan(0);
    expect(compareSequenceNumbers(SEQ_A, SEQ_A)).toBe(0);
    expect(compareSequenceNumbers('9', '10')).toBeLessThan(0);
    expect(compareSequenceNumbers('99999999999999999999', '100000000000000000000')).toBeLessThan(0);
    // As doubles these two are equal; as sequence numbers they are not.
    expect(Number('9007199254740993')).toBe(Number('9007199254740992'));
    expect(compareSequenceNumbers('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
  });

  test('128-digit numbers compare exactly, and leading zeros do not change a number', () => {
    const big = '1'.repeat(127) + '0';
    const bigger = '1'.repeat(127) + '1';
    expect(compareSequenceNumbers(big, bigger)).toBeLessThan(0);
    expect(compareSequenceNumbers('007', '7')).toBe(0);
    expect(compareSequenceNumbers('010', '9')).toBeGreaterThan(0);
  });

  test('refuses what is not a sequence number', () => {
    for (const bad of ['', '12a', '-1', '1.5', '1'.repeat(129), ' 1']) {
      expect((thrown(() => compareSequenceNumbers(bad, '1')) as Error).name).toBe('TypeError');
    }
  });
});

describe('isAtOrBefore', () => {
  const position: StreamPosition = { skip: 0, shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 2 };

  test('an earlier record, or an earlier or equal place in the same record, on the same shard', () => {
    expect(isAtOrBefore(position, { shardId: SHARD, sequenceNumber: SEQ_A, subIndex: 99 })).toBe(true);
    expect(isAtOrBefore(position, { shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 0 })).toBe(true);
    expect(isAtOrBefore(position, { shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 2 })).toBe(true);
    expect(isAtOrBefore(position, { shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 3 })).toBe(false);
    expect(isAtOrBefore(position, { shardId: SHARD, sequenceNumber: SEQ_C, subIndex: 0 })).toBe(false);
  });

  test('another shard (resharding) or a position without origin says nothing', () => {
    expect(isAtOrBefore(position, { shardId: 'shardId-000000000001', sequenceNumber: SEQ_A, subIndex: 0 })).toBe(false);
    expect(isAtOrBefore({ skip: 0 }, { shardId: SHARD, sequenceNumber: SEQ_A, subIndex: 0 })).toBe(false);
  });
});

describe('afterStoredEvent', () => {
  test('moves the origin, appends the id, sets firstId once and counts the millisecond', () => {
    const first = afterStoredEvent(
      { skip: 0 },
      { eventId: 'e1', timestamp: T0, origin: { shardId: SHARD, sequenceNumber: SEQ_A, subIndex: 0 } },
    );
    expect(first).toEqual({
      skip: 0,
      shardId: SHARD,
      sequenceNumber: SEQ_A,
      subIndex: 0,
      recentIds: ['e1'],
      firstId: 'e1',
      lastTimestamp: T0,
      lastTimestampCount: 1,
      maxTimestamp: T0,
    });
    const second = afterStoredEvent(first, {
      eventId: 'e2',
      timestamp: T0,
      origin: { shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 4 },
    });
    expect(second).toMatchObject({ sequenceNumber: SEQ_B, subIndex: 4, recentIds: ['e1', 'e2'], firstId: 'e1' });
    expect(second).toMatchObject({ lastTimestamp: T0, lastTimestampCount: 2 });
  });

  test('an event read from CloudWatch (no origin) keeps the shard fields', () => {
    const position: StreamPosition = { skip: 0, shardId: SHARD, sequenceNumber: SEQ_A, subIndex: 1, recentIds: ['a'] };
    const after = afterStoredEvent(position, { eventId: 'b', timestamp: T0 + 5 });
    expect(after).toMatchObject({ shardId: SHARD, sequenceNumber: SEQ_A, subIndex: 1, recentIds: ['a', 'b'] });
    expect(after.firstId).toBe('b');
  });

  test('keeps only the newest ids of the window, oldest first', () => {
    let position: StreamPosition = { skip: 0 };
    for (let i = 1; i <= 10; i++) position = afterStoredEvent(position, { eventId: `e${i}`, timestamp: T0 + i }, 3);
    expect(position.recentIds).toEqual(['e8', 'e9', 'e10']);
    expect(position.firstId).toBe('e1');
  });
});

describe('freshPushedEvents', () => {
  const empty = initialCursor(['app', 'err']);

  test('everything is fresh in an empty log; positions move per stream in the order given', () => {
    const { fresh, duplicates } = freshPushedEvents(empty, [
      record(SEQ_A, ['1', '2']),
      record(SEQ_B, ['3'], 'err'),
      record(SEQ_C, ['4']),
    ]);
    expect(duplicates).toBe(0);
    expect(fresh.map((e) => [e.stream, e.eventId, e.message])).toEqual([
      ['app', '1', 'm-1'],
      ['app', '2', 'm-2'],
      ['err', '3', 'm-3'],
      ['app', '4', 'm-4'],
    ]);
    expect(fresh[1]?.after).toMatchObject({ sequenceNumber: SEQ_A, subIndex: 1, recentIds: ['1', '2'] });
    expect(fresh[3]?.after).toMatchObject({ sequenceNumber: SEQ_C, subIndex: 0, recentIds: ['1', '2', '4'] });
    expect(fresh[2]?.after).toMatchObject({ sequenceNumber: SEQ_B, subIndex: 0, recentIds: ['3'], firstId: '3' });
  });

  test('a record at or before the stored origin is a duplicate, even with ids the window forgot', () => {
    const cursor: SourceCursor = {
      streams: { app: { skip: 0, shardId: SHARD, sequenceNumber: SEQ_B, subIndex: 1, recentIds: ['x'] } },
    };
    const { fresh, duplicates } = freshPushedEvents(cursor, [
      record(SEQ_A, ['1', '2']),
      record(SEQ_B, ['3', '4', '5']),
      record(SEQ_C, ['6']),
    ]);
    expect(fresh.map((e) => e.eventId)).toEqual(['5', '6']);
    expect(duplicates).toBe(4);
  });

  test('the same events put again as another record (a later sequence number) are duplicates by id', () => {
    const first = freshPushedEvents(empty, [record(SEQ_A, ['1', '2', '3'])]);
    const cursor: SourceCursor = { streams: { ...empty.streams, app: first.fresh.at(-1)?.after ?? { skip: 0 } } };
    const again = freshPushedEvents(cursor, [record(SEQ_C, ['2', '3', '4'])]);
    expect(again.fresh.map((e) => e.eventId)).toEqual(['4']);
    expect(again.duplicates).toBe(2);
  });

  test('a record delivered twice within one run is stored once', () => {
    const { fresh, duplicates } = freshPushedEvents(empty, [record(SEQ_A, ['1', '2']), record(SEQ_A, ['1', '2'])]);
    expect(fresh.map((e) => e.eventId)).toEqual(['1', '2']);
    expect(duplicates).toBe(2);
  });

  test('ids are per stream: the same id on another stream is another event', () => {
    const { fresh } = freshPushedEvents(empty, [record(SEQ_A, ['7']), record(SEQ_B, ['7'], 'err')]);
    expect(fresh.map((e) => `${e.stream}/${e.eventId}`)).toEqual(['app/7', 'err/7']);
  });

  test('records of another shard are judged by id only (a child shard after resharding)', () => {
    const cursor: SourceCursor = {
      streams: { app: { skip: 0, shardId: SHARD, sequenceNumber: SEQ_C, subIndex: 0, recentIds: ['1'] } },
    };
    const { fresh } = freshPushedEvents(cursor, [record('1', ['1', '2'], 'app', 'shardId-000000000002')]);
    expect(fresh.map((e) => e.eventId)).toEqual(['2']);
    expect(fresh[0]?.after).toMatchObject({ shardId: 'shardId-000000000002', sequenceNumber: '1', subIndex: 1 });
  });

  test('events sharing a millisecond stay distinct', () => {
    const same: PushedRecord = {
      shardId: SHARD,
      sequenceNumber: SEQ_A,
      logStream: 'app',
      events: [
        { id: 'a', timestamp: T0, message: 'same' },
        { id: 'b', timestamp: T0, message: 'same' },
      ],
    };
    const { fresh } = freshPushedEvents(empty, [same]);
    expect(fresh).toHaveLength(2);
    expect(fresh[1]?.after).toMatchObject({ lastTimestamp: T0, lastTimestampCount: 2 });
  });

  test('every position it makes survives the storage round trip', () => {
    const { fresh } = freshPushedEvents(empty, [record(SEQ_A, ['1', '2'])]);
    const cursor: SourceCursor = { streams: { app: fresh[1]?.after ?? { skip: 0 } } };
    expect(parseCursor(JSON.parse(JSON.stringify(cursor)))).toEqual(cursor);
  });
});

describe('freshPushedEvents: events the recent ids cannot decide', () => {
  const empty = initialCursor(['app']);

  test('an event past the highest stored timestamp is new without a look-up; one before it needs the stored ids', () => {
    const first = freshPushedEvents(empty, [record(SEQ_A, ['1', '2', '3'])]);
    const cursor: SourceCursor = { streams: { app: first.fresh.at(-1)?.after ?? { skip: 0 } } };
    expect(cursor.streams.app?.maxTimestamp).toBe(T0 + 2);
    const later: PushedRecord = {
      ...record(SEQ_C, []),
      events: [{ id: '4', timestamp: T0 + 3, message: 'later' }],
    };
    expect(freshPushedEvents(cursor, [later], 2).needsStoredIds).toBe(false);
    const older: PushedRecord = { ...later, events: [{ id: '9', timestamp: T0 + 1, message: 'older' }] };
    expect(freshPushedEvents(cursor, [older], 2).needsStoredIds).toBe(true);
    // Given every stored id, the answer is final: '9' is new, '1' (past the window of 2) is not.
    const decided = freshPushedEvents(
      cursor,
      [{ ...older, events: [...older.events, { id: '1', timestamp: T0, message: 'm-1' }] }],
      2,
      new Set(['1', '2', '3']),
    );
    expect(decided.fresh.map((e) => e.eventId)).toEqual(['9']);
    expect(decided.duplicates).toBe(1);
    expect(decided.needsStoredIds).toBe(false);
  });

  test('at the highest stored millisecond: decided by the recent ids while they hold all of its events', () => {
    const same = (ids: string[]): PushedRecord => ({
      ...record(SEQ_A, []),
      events: ids.map((id) => ({ id, timestamp: T0, message: id })),
    });
    const stored = freshPushedEvents(empty, [same(['a', 'b'])], 4);
    const cursor: SourceCursor = { streams: { app: stored.fresh.at(-1)?.after ?? { skip: 0 } } };
    const next = { ...same(['c']), sequenceNumber: SEQ_C };
    expect(freshPushedEvents(cursor, [next], 4).needsStoredIds).toBe(false);
    // Five events of that millisecond stored, a window of 4: one of them may be out of the window.
    const crowded = freshPushedEvents(empty, [same(['a', 'b', 'c', 'd', 'e'])], 4);
    const full: SourceCursor = { streams: { app: crowded.fresh.at(-1)?.after ?? { skip: 0 } } };
    expect(freshPushedEvents(full, [{ ...same(['f']), sequenceNumber: SEQ_C }], 4).needsStoredIds).toBe(true);
  });
});

describe('freshReadEvents', () => {
  const events = ['a', 'b', 'c'].map((eventId, i) => ({ eventId, timestamp: T0 + i, message: eventId }));

  test('leaves out ids stored (given, or in the window) and repeated ones', () => {
    const cursor: SourceCursor = { streams: { app: { skip: 0, recentIds: ['a'] } } };
    const repeated = { eventId: 'c', timestamp: T0 + 2, message: 'c' };
    const fresh = freshReadEvents(cursor, 'app', [...events, repeated], new Set(['b']));
    expect(fresh.map((e) => e.eventId)).toEqual(['c']);
    expect(fresh[0]?.after).toMatchObject({ recentIds: ['a', 'c'], firstId: 'c', lastTimestamp: T0 + 2 });
  });
});
