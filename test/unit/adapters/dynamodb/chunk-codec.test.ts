import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeEvents, encodeEvents } from '../../../../src/adapters/dynamodb/chunk-codec';
import { packIds, unpackIds } from '../../../../src/adapters/dynamodb/id-packing';
import type { LogEvent } from '../../../../src/domain';
import { seededRandom } from '../../../support/fakes';

const T0 = 1_772_366_400_000; // 2026-03-01T12:00:00Z

const FILES = [
  'src/domain/chunk.ts',
  'src/domain/cursor.ts',
  'src/domain/completeness.ts',
  'src/ports/log-pump.ts',
  'src/ports/log-reader.ts',
  'src/adapters/dynamodb/chunk-codec.ts',
  'src/adapters/dynamodb/dynamodb-log-store.ts',
  'src/adapters/cloudwatch/cloudwatch-log-source.ts',
  'src/api/app.ts',
  'src/api/validation.ts',
  'src/ws/tail-hub.ts',
  'src/ws/ticket.ts',
  'activities/ingest.ts',
  'activities/run-command.ts',
  'workflows/execution.ts',
  'test/unit/adapters/cloudwatch/log-pump.test.ts',
];
const PACKAGES = ['@aws-sdk/client-dynamodb', '@temporalio/worker', 'hono', 'ws', 'pino', 'commander', 'prom-client'];
const TESTS = [
  'stores 5,000 events in order',
  'resumes from the stored cursor',
  'rejects a bad execution id',
  'serves a sealed log from the store',
  'streams new events to late joiners',
];

/**
 * A CI job's output, the kind of log an execution produces: build steps, test results, downloads. Like most
 * command output it has no timestamp of its own in the text (the CloudWatch event carries it).
 */
function jobLog(count: number, seed = 1): LogEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const ms = (max: number): number => Math.floor(random() * max);
  let module = 0;
  const templates = [
    () =>
      `[build] tsc: compiled ${pick(FILES)} (module ${++module} of 2000, target es2022, commonjs) in ${ms(90)}ms, 0 errors`,
    () =>
      `[test]  ${pick(['PASS', 'PASS', 'PASS', 'FAIL'])} ${pick(FILES)} > ${pick(TESTS)} (${ms(400)} ms, worker ${1 + ms(4)} of 4)`,
    () =>
      `[deps]  npm http fetch GET 200 https://registry.npmjs.org/${pick(PACKAGES)} ${ms(900)}ms (${pick(['cache hit', 'cache revalidated', 'cache miss'])})`,
    () =>
      `[lint]  eslint --max-warnings 0 ${pick(FILES)}: ${pick(['0 problems', '0 problems', '1 warning'])} after ${ms(60)}ms`,
  ];
  let clock = T0;
  return Array.from({ length: count }, () => {
    clock += ms(40);
    const step = Math.floor(random() * templates.length);
    return { timestamp: clock, message: `ci job 4711 step ${step + 1}/4 | ${templates[step]?.() ?? ''}` };
  });
}

/**
 * A web service's log: every line carries an ISO timestamp, ids, statuses and durations. Such text gzips to
 * about 1/8 of its size whatever the framing, so it checks the codec's overhead rather than a ratio.
 */
function serviceLog(count: number, seed = 1): LogEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const levels = ['INFO ', 'INFO ', 'INFO ', 'INFO ', 'INFO ', 'DEBUG', 'DEBUG', 'WARN ', 'ERROR'];
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  const templates = [
    () => `GET /api/v1/orders/${10_000 + Math.floor(random() * 90_000)} -> ${pick([200, 200, 200, 304, 404])}`,
    () => `POST /api/v1/orders -> ${pick([201, 201, 400, 409])} created order for user=${pick(users)}`,
    () => `GET /api/v1/users/${pick(users)}/profile -> 200`,
    () =>
      `db query select * from orders where customer_id = $1 took ${Math.floor(random() * 90)}ms rows=${Math.floor(random() * 40)}`,
    () => `cache ${pick(['hit', 'hit', 'miss'])} key=session:${pick(users)} ttl=${pick([300, 600, 3600])}s`,
    () =>
      `worker ${Math.floor(random() * 8)} processed batch of ${Math.floor(random() * 100)} messages from queue orders-events`,
  ];
  let clock = T0;
  return Array.from({ length: count }, () => {
    clock += Math.floor(random() * 40);
    const worker = `[http-worker-${1 + Math.floor(random() * 8)}]`;
    const line = `${new Date(clock).toISOString()} ${pick(levels)} ${worker} ${pick(templates)()}`;
    return { timestamp: clock, message: `${line} (${Math.floor(random() * 500)}ms)` };
  });
}

const rawBytes = (events: readonly LogEvent[]): number =>
  events.reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8'), 0);

describe('chunk codec', () => {
  test('round-trips events exactly', () => {
    const events: LogEvent[] = [
      { timestamp: T0, message: 'first' },
      { timestamp: T0, message: 'same millisecond' },
      { timestamp: T0 - 5000, message: 'clock went back' },
      { timestamp: T0 + 86_400_000, message: 'a day later' },
      { timestamp: 0, message: '' },
      { timestamp: T0, message: 'unicode: é 中 😀 \u0000 "quotes" \\ \n newline' },
      { timestamp: T0, message: 'x'.repeat(256 * 1024) },
    ];
    expect(decodeEvents(encodeEvents(events))).toStrictEqual(events);
  });

  test('round-trips the recovered mark, kept only on the events that have it', () => {
    const events: LogEvent[] = [
      { timestamp: 5, message: 'delivered', eventId: '1' },
      { timestamp: 3, message: 'recovered by the seal', eventId: '2', recovered: true },
    ];
    expect(decodeEvents(encodeEvents(events))).toStrictEqual(events);
    const plain = JSON.parse(gunzipSync(encodeEvents([{ timestamp: 1, message: 'x' }])).toString('utf8')) as object;
    expect(Object.keys(plain)).toEqual(['t', 'm']);
  });

  test('round-trips an empty chunk', () => {
    expect(decodeEvents(encodeEvents([]))).toEqual([]);
  });

  test('round-trips 2,000 realistic lines', () => {
    const events = [...jobLog(1000), ...serviceLog(1000)];
    expect(decodeEvents(encodeEvents(events))).toStrictEqual(events);
  });

  test('the encoding is binary data that does not depend on the input array being kept', () => {
    const events = [{ timestamp: T0, message: 'a' }];
    const data = encodeEvents(events);
    events[0] = { timestamp: 1, message: 'changed' };
    expect(data).toBeInstanceOf(Uint8Array);
    expect(decodeEvents(data)).toEqual([{ timestamp: T0, message: 'a' }]);
  });

  test('2,000 lines of ~120 bytes of a realistic job log compress to under a tenth of their size', () => {
    const events = jobLog(2000);
    const raw = rawBytes(events);
    expect(raw / events.length).toBeGreaterThan(100);
    expect(raw / events.length).toBeLessThan(140);
    const encoded = encodeEvents(events).byteLength;
    expect(encoded).toBeLessThan(raw / 10);
  });

  test('the framing costs little: within 15% of gzip on the bare text, even for a high-entropy log', () => {
    const events = serviceLog(2000);
    expect(rawBytes(events) / events.length).toBeGreaterThan(100);
    const bare = gzipSync(events.map((e) => e.message).join('\n')).byteLength;
    expect(encodeEvents(events).byteLength).toBeLessThan(bare * 1.15);
  });

  test('refuses malformed data', () => {
    const malformed = [
      gzipSync(JSON.stringify({ t: [1, 2], m: ['only one'] })),
      gzipSync(JSON.stringify({ t: 'x', m: [] })),
      gzipSync(JSON.stringify({})),
    ];
    for (const data of malformed) {
      let error: unknown;
      try {
        decodeEvents(data);
      } catch (caught) {
        error = caught;
      }
      expect((error as Error | undefined)?.name).toBe('TypeError');
    }
    expect(() => decodeEvents(Buffer.from('not gzip'))).toThrow();
  });
});

// CloudWatch ids as AWS writes them: 56 digits, consecutive within one PutLogEvents call.
const AWS_ID = '31953106606966983378809025079804211143289615424298221568';

/** Ids of `batches` PutLogEvents calls of `perBatch` events each: consecutive inside a call, far apart between. */
function awsIds(batches: number, perBatch: number, seed = 1): string[] {
  const random = seededRandom(seed);
  const ids: string[] = [];
  let base = BigInt(AWS_ID);
  for (let b = 0; b < batches; b++) {
    base += BigInt(Math.floor(random() * 1e9)) * 10n ** 30n + BigInt(Math.floor(random() * 1e15));
    for (let i = 0; i < perBatch; i++) ids.push((base + BigInt(i)).toString());
  }
  return ids;
}

describe('chunk codec: CloudWatch event ids (push ingest)', () => {
  test('round-trips ids, and events without one stay without', () => {
    const ids = awsIds(3, 4);
    const events: LogEvent[] = ids.map((eventId, i) => ({ timestamp: T0 + i, message: `m${i}`, eventId }));
    events.splice(2, 0, { timestamp: T0, message: 'no id' });
    const decoded = decodeEvents(encodeEvents(events));
    expect(decoded).toStrictEqual(events);
    expect(Object.hasOwn(decoded[2] ?? {}, 'eventId')).toBe(false);
  });

  test('a chunk without ids is encoded as before, and an old chunk decodes unchanged', () => {
    const events: LogEvent[] = [{ timestamp: T0, message: 'a' }];
    const old = gzipSync(JSON.stringify({ t: [T0], m: ['a'] }));
    expect(decodeEvents(old)).toStrictEqual(events);
    expect(JSON.parse(gunzipSync(encodeEvents(events)).toString('utf8'))).toEqual({ t: [T0], m: ['a'] });
  });

  test('refuses ids that do not match the events', () => {
    const bad = gzipSync(JSON.stringify({ t: [1, 2], m: ['a', 'b'], i: ['0:x'] }));
    expect(() => decodeEvents(bad)).toThrow(TypeError);
  });

  test('2,000 ids of 56 digits (200 PutLogEvents calls of 10) add under 3 bytes an event to a chunk', () => {
    const lines = jobLog(2000);
    const ids = awsIds(200, 10);
    const withIds = lines.map((event, i) => ({ ...event, eventId: ids[i] as string }));
    expect(encodeEvents(withIds).byteLength - encodeEvents(lines).byteLength).toBeLessThan(3 * 2000);
  });
});

describe('id packing', () => {
  test('round-trips AWS ids, emulator ids, arbitrary strings and gaps', () => {
    const lists: (string | undefined)[][] = [
      awsIds(5, 7),
      ['1', '2', '3', '10', '9', '0', '007', '8'],
      ['a:b', 'a:c', ':', 'x'.repeat(60), 'x'.repeat(59), '中文', '中', '12', 'é'],
      [undefined, '5', undefined, '6', '99999999999999999999999', '100000000000000000000000'],
      [],
    ];
    for (const ids of lists) expect(unpackIds(packIds(ids))).toEqual(ids);
  });

  test('consecutive AWS ids cost a number each; the first of a call shares its prefix', () => {
    const ids = awsIds(2, 3);
    const packed = packIds(ids);
    expect(packed[0]).toBe(`0:${ids[0]}`);
    expect(packed.slice(1, 3)).toEqual([1, 1]);
    expect(packed[4]).toBe(1);
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(ids).length / 2);
  });

  test('refuses malformed packs', () => {
    for (const bad of [{}, [1], ['x'], ['5:abc'], [0.5], ['0:'], [true]]) {
      expect(() => unpackIds(bad)).toThrow(TypeError);
    }
  });
});
