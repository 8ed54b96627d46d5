import {
  buildChunks,
  DEFAULT_CHUNK_LIMITS,
  eventSize,
  initialCursor,
  PUT_LIMITS,
  splitForPut,
  utf8Length,
  type LogEvent,
  type SourceCursor,
  type SourcedEvent,
} from '../../../src/domain';
import { seededRandom } from '../../support/fakes';

const T0 = 1_700_000_000_000;

/** Events of one stream as the source would return them: position `{token: 'f/P', skip}` after each. */
function sourced(stream: string, messages: readonly string[], startAt = 0): SourcedEvent[] {
  return messages.map((message, i) => ({
    stream,
    timestamp: T0 + startAt + i,
    message,
    after: { token: `f/${startAt + i + 1}`, skip: 0 },
  }));
}

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

describe('buildChunks', () => {
  test('gives dense indexes from firstIndex and keeps every event in order', () => {
    const events = sourced('s', numbered('line ', 20));
    const chunks = buildChunks(5, initialCursor(['s']), events, { maxBytes: 1_000_000, maxEvents: 6 });
    expect(chunks.map((c) => [c.seq, c.last])).toEqual([
      [5, 10],
      [11, 16],
      [17, 22],
      [23, 24],
    ]);
    for (const chunk of chunks) expect(chunk.events).toHaveLength(chunk.last - chunk.seq + 1);
    expect(chunks.flatMap((c) => c.events.map((e) => e.message))).toEqual(numbered('line ', 20));
  });

  test('stores only timestamp, message and stream of each event (and the stderr mark when set)', () => {
    const [chunk] = buildChunks(1, initialCursor(['s']), sourced('s', ['a']));
    expect(chunk?.events).toStrictEqual([{ timestamp: T0, message: 'a', stream: 's' }]);
    const marked = buildChunks(
      1,
      initialCursor(['s']),
      sourced('s', ['b']).map((e) => ({ ...e, stderr: true })),
    )[0];
    expect(marked?.events).toStrictEqual([{ timestamp: T0, message: 'b', stream: 's', stderr: true }]);
  });

  test('no events, no chunks', () => {
    expect(buildChunks(1, initialCursor(['s']), [])).toEqual([]);
  });

  test('each chunk carries the cursor just after its last event', () => {
    const events = sourced('s', numbered('e', 10));
    const chunks = buildChunks(1, initialCursor(['s']), events, { maxBytes: 1_000_000, maxEvents: 4 });
    expect(chunks.map((c) => c.cursor)).toEqual([
      { streams: { s: { token: 'f/4', skip: 0, count: 4 } } },
      { streams: { s: { token: 'f/8', skip: 0, count: 8 } } },
      { streams: { s: { token: 'f/10', skip: 0, count: 10 } } },
    ]);
  });

  test("counts each stream's stored events on from the cursor's count, and leaves an unknown count unknown", () => {
    const start: SourceCursor = {
      streams: {
        known: { skip: 0, lastTimestamp: T0, count: 7 },
        legacy: { token: 'f/3', skip: 0 },
        fresh: { skip: 0 },
      },
    };
    const events = [...sourced('known', ['k1', 'k2']), ...sourced('legacy', ['l1']), ...sourced('fresh', ['f1'])];
    const [chunk] = buildChunks(1, start, events);
    expect(chunk?.cursor.streams.known?.count).toBe(9);
    expect(chunk?.cursor.streams.legacy).toEqual({ token: 'f/1', skip: 0 });
    expect(chunk?.cursor.streams.fresh?.count).toBe(1);
  });

  test('a cursor keeps streams a chunk did not touch and does not mutate the input', () => {
    const start: SourceCursor = { streams: { a: { skip: 0 }, b: { token: 'f/9', skip: 2 }, c: { skip: 1 } } };
    const snapshot = JSON.parse(JSON.stringify(start)) as SourceCursor;
    const a = sourced('a', ['a1', 'a2']);
    const b = sourced('b', ['b1'], 11);
    const events = [a[0], a[1], b[0]].filter((e): e is SourcedEvent => e !== undefined);
    const chunks = buildChunks(1, start, events, { maxBytes: 1_000_000, maxEvents: 2 });
    expect(chunks.map((c) => c.cursor)).toEqual([
      { streams: { a: { token: 'f/2', skip: 0, count: 2 }, b: { token: 'f/9', skip: 2 }, c: { skip: 1 } } },
      { streams: { a: { token: 'f/2', skip: 0, count: 2 }, b: { token: 'f/12', skip: 0 }, c: { skip: 1 } } },
    ]);
    expect(start).toEqual(snapshot);
  });

  test('honours the byte bound, counting each event with its overhead', () => {
    const message = 'x'.repeat(100);
    const events = sourced(
      's',
      Array.from({ length: 30 }, () => message),
    );
    const limits = { maxBytes: 1000, maxEvents: 1000 };
    const chunks = buildChunks(1, initialCursor(['s']), events, limits);
    // 100 bytes + 16 of overhead: 8 events make 928 bytes, a 9th would make 1044.
    expect(eventSize({ timestamp: 0, message })).toBe(116);
    expect(chunks.map((c) => c.events.length)).toEqual([8, 8, 8, 6]);
    for (const chunk of chunks) {
      expect(chunk.events.reduce((sum, e) => sum + eventSize(e), 0)).toBeLessThanOrEqual(limits.maxBytes);
    }
  });

  test('honours the event bound', () => {
    const events = sourced('s', numbered('', 17));
    const chunks = buildChunks(1, initialCursor(['s']), events, { maxBytes: 1_000_000, maxEvents: 5 });
    expect(chunks.map((c) => c.events.length)).toEqual([5, 5, 5, 2]);
  });

  test('a single 256 KB event gets a chunk of its own under the default limits', () => {
    const big = 'b'.repeat(256 * 1024);
    expect(utf8Length(big)).toBeGreaterThan(DEFAULT_CHUNK_LIMITS.maxBytes);
    const events = sourced('s', ['before', big, 'after']);
    const chunks = buildChunks(1, initialCursor(['s']), events);
    expect(chunks.map((c) => c.events.map((e) => e.message.length))).toEqual([[6], [big.length], [5]]);
    expect(chunks.map((c) => [c.seq, c.last])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(chunks[1]?.cursor).toEqual({ streams: { s: { token: 'f/2', skip: 0, count: 2 } } });
  });

  test('default limits stay well inside the 400 KB item limit and keep many events', () => {
    expect(DEFAULT_CHUNK_LIMITS.maxBytes).toBeLessThan(400 * 1024);
    const events = sourced('s', numbered('', 10_000));
    const chunks = buildChunks(1, initialCursor(['s']), events);
    expect(chunks.map((c) => c.events.length)).toEqual([DEFAULT_CHUNK_LIMITS.maxEvents, 2000]);
  });
});

describe('utf8Length', () => {
  const samples = [
    '',
    'plain ascii',
    'é',
    'ñandú',
    'Grüße aus Köln',
    '中文字符',
    '日本語のテキスト',
    'Ελληνικά',
    'עברית',
    'العربية',
    'हिन्दी',
    '😀',
    '👨‍👩‍👧‍👦',
    '🇫🇷🇯🇵',
    'mixed: a é 中 😀 \u0000 \u007f \u0080 \u07ff \u0800 \uffff \u{10000} \u{10ffff}',
  ];

  test.each(samples)('matches Buffer.byteLength for %j', (text) => {
    expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });

  test('matches Buffer.byteLength for random strings over the whole code point range', () => {
    const random = seededRandom(42);
    const ranges = [
      [0x20, 0x7f],
      [0x80, 0x7ff],
      [0x800, 0xd7ff],
      [0xe000, 0xffff],
      [0x10000, 0x10ffff],
    ] as const;
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let k = 0; k < 40; k++) {
        const [low, high] = ranges[Math.floor(random() * ranges.length)] ?? [0x20, 0x7f];
        text += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
      }
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    }
  });

  // A lone surrogate is encoded as U+FFFD (3 bytes). utf8Length counts a high surrogate as a 4-byte
  // pair and skips the next unit whatever it is, so it undercounts '\uD800中' (4 instead of 6).
  test.each(['\uD800', '\uD800a', '\uD800中', 'x\uDC00y', 'a\uD800'])(
    'matches Buffer.byteLength for lone surrogates in %j',
    (text) => {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    },
  );
});

describe('splitForPut', () => {
  const events = (count: number, message: (i: number) => string, timestamp = (i: number) => T0 + i): LogEvent[] =>
    Array.from({ length: count }, (_, i) => ({ timestamp: timestamp(i), message: message(i) }));

  const batchBytes = (batch: readonly LogEvent[]): number =>
    batch.reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8') + PUT_LIMITS.eventOverhead, 0);

  test('keeps order and loses nothing', () => {
    const input = events(25_000, (i) => `line ${i}`);
    const batches = splitForPut(input);
    expect(batches.flat()).toEqual(input);
  });

  test('puts at most 10,000 events in one call', () => {
    const batches = splitForPut(events(25_000, (i) => `${i}`));
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5000]);
  });

  test('counts 26 bytes per event against the 1 MiB bound', () => {
    // 1024 events of 1024 bytes are exactly 1 MiB of text, which only fits without the per-event overhead.
    const batches = splitForPut(events(1024, () => 'k'.repeat(1024)));
    expect(batches.map((b) => b.length)).toEqual([998, 26]);
    for (const batch of batches) expect(batchBytes(batch)).toBeLessThanOrEqual(PUT_LIMITS.maxBytes);
    // 1022 events of 1000 bytes come to 1,048,572 bytes: one more would pass the limit.
    expect(splitForPut(events(2000, () => 'm'.repeat(1000))).map((b) => b.length)).toEqual([1022, 978]);
  });

  test('counts multi-byte characters by their UTF-8 size', () => {
    const batches = splitForPut(events(1000, () => '€'.repeat(1000)));
    // 3000 bytes + 26 per event: 346 events fit in 1 MiB.
    expect(batches.map((b) => b.length)).toEqual([346, 346, 308]);
    for (const batch of batches) expect(batchBytes(batch)).toBeLessThanOrEqual(PUT_LIMITS.maxBytes);
  });

  test('never lets a batch span 24 hours', () => {
    const hour = 3600_000;
    const input = [0, hour, 24 * hour - 1, 24 * hour, 30 * hour, 60 * hour].map((offset, i) => ({
      timestamp: T0 + offset,
      message: `at ${i}`,
    }));
    const batches = splitForPut(input);
    expect(batches.map((b) => b.map((e) => e.message))).toEqual([['at 0', 'at 1', 'at 2'], ['at 3', 'at 4'], ['at 5']]);
    for (const batch of batches) {
      const first = batch[0]?.timestamp ?? 0;
      const last = batch[batch.length - 1]?.timestamp ?? 0;
      expect(last - first).toBeLessThan(PUT_LIMITS.maxSpanMs);
    }
  });

  test('a random mix always lands within every limit', () => {
    const random = seededRandom(7);
    let clock = T0;
    const input = events(
      30_000,
      () => 'ü'.repeat(Math.floor(random() * 200)),
      () => (clock += Math.floor(random() * 10_000)),
    );
    const batches = splitForPut(input);
    expect(batches.flat()).toEqual(input);
    for (const batch of batches) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(PUT_LIMITS.maxEvents);
      expect(batchBytes(batch)).toBeLessThanOrEqual(PUT_LIMITS.maxBytes);
      expect((batch[batch.length - 1]?.timestamp ?? 0) - (batch[0]?.timestamp ?? 0)).toBeLessThan(PUT_LIMITS.maxSpanMs);
    }
  });

  test('no events, no calls', () => {
    expect(splitForPut([])).toEqual([]);
  });
});
