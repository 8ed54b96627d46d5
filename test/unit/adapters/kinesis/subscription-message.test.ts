import { gzipSync } from 'node:zlib';
import { decodeSubscriptionRecord } from '../../../../src/adapters/kinesis/subscription-record';
import { encodeMessage, parseSubscriptionMessage } from '../../../../src/domain';

// A DATA_MESSAGE as CloudWatch Logs writes it to Kinesis (AWS's documented example, shortened).
const DATA = {
  owner: '123456789012',
  logGroup: '/logstream/executions',
  logStream: 'exec-1/stdout',
  subscriptionFilters: ['logstream-forwarder'],
  messageType: 'DATA_MESSAGE',
  logEvents: [
    { id: '31953106606966983378809025079804211143289615424298221568', timestamp: 1432826855000, message: 'one' },
    { id: '31953106606966983378809025079804211143289615424298221569', timestamp: 1432826855000, message: 'two' },
  ],
};

// What CloudWatch writes when a filter is created, to check it can write to the stream.
const CONTROL = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: 1432826855000, message: 'CWL CONTROL MESSAGE: Checking health of destination' }],
};

function messageOf(json: unknown): string {
  try {
    parseSubscriptionMessage(json);
  } catch (error) {
    expect((error as Error).name).toBe('TypeError');
    return (error as Error).message;
  }
  throw new Error('expected a TypeError');
}

describe('parseSubscriptionMessage', () => {
  test('reads a DATA_MESSAGE: group, stream, events with string ids, in order', () => {
    expect(parseSubscriptionMessage(DATA)).toEqual({
      messageType: 'DATA_MESSAGE',
      logGroup: '/logstream/executions',
      logStream: 'exec-1/stdout',
      logEvents: DATA.logEvents,
    });
  });

  test('integer ids (the emulator) become decimal strings', () => {
    const parsed = parseSubscriptionMessage({ ...DATA, logEvents: [{ id: 0, timestamp: 5, message: 'x' }] });
    expect(parsed).toMatchObject({ logEvents: [{ id: '0', timestamp: 5, message: 'x' }] });
  });

  test('a CONTROL_MESSAGE carries nothing (its empty group, stream and id are not an error)', () => {
    expect(parseSubscriptionMessage(CONTROL)).toEqual({ messageType: 'CONTROL_MESSAGE' });
  });

  test('an empty DATA_MESSAGE is valid and holds no events', () => {
    expect(parseSubscriptionMessage({ ...DATA, logEvents: [] })).toMatchObject({ logEvents: [] });
  });

  test.each<[string, unknown, string]>([
    ['not an object', 'DATA_MESSAGE', 'expected an object, got string'],
    ['null', null, 'got null'],
    ['an array', [DATA], 'got an array'],
    ['no messageType', { ...DATA, messageType: undefined }, 'messageType must be DATA_MESSAGE or CONTROL_MESSAGE'],
    ['another messageType', { ...DATA, messageType: 'data_message' }, '"data_message"'],
    ['no logGroup', { ...DATA, logGroup: undefined }, 'logGroup must be a non-empty string'],
    ['empty logStream', { ...DATA, logStream: '' }, 'logStream must be a non-empty string'],
    ['logEvents not an array', { ...DATA, logEvents: {} }, 'logEvents must be an array, got object'],
    ['an event not an object', { ...DATA, logEvents: [7] }, 'logEvents[0] must be an object'],
    ['an empty id', { ...DATA, logEvents: [{ id: '', timestamp: 1, message: 'x' }] }, 'logEvents[0].id'],
    ['a negative id', { ...DATA, logEvents: [{ id: -1, timestamp: 1, message: 'x' }] }, 'logEvents[0].id'],
    ['a fractional id', { ...DATA, logEvents: [{ id: 1.5, timestamp: 1, message: 'x' }] }, 'logEvents[0].id'],
    ['an unsafe id', { ...DATA, logEvents: [{ id: 2 ** 60, timestamp: 1, message: 'x' }] }, 'logEvents[0].id'],
    ['no timestamp', { ...DATA, logEvents: [{ id: '1', message: 'x' }] }, 'logEvents[0].timestamp'],
    ['a string timestamp', { ...DATA, logEvents: [{ id: '1', timestamp: '1', message: 'x' }] }, '.timestamp'],
    ['no message', { ...DATA, logEvents: [{ id: '1', timestamp: 1 }] }, 'logEvents[0].message must be a string'],
    [
      'a bad event after good ones',
      { ...DATA, logEvents: [...DATA.logEvents, { id: '9', timestamp: 1, message: null }] },
      'logEvents[2].message',
    ],
  ])('refuses %s with a TypeError saying what is wrong', (_what, json, expected) => {
    expect(messageOf(json)).toContain(expected);
  });

  test('a long bad value is shortened in the message', () => {
    expect(messageOf({ ...DATA, logGroup: 7, logStream: 'x'.repeat(10_000) }).length).toBeLessThan(200);
    expect(messageOf({ ...DATA, logStream: 'x'.repeat(10_000), logGroup: 1 }).length).toBeLessThan(200);
  });
});

describe('decodeSubscriptionRecord', () => {
  const gzipJson = (json: unknown): Uint8Array => gzipSync(Buffer.from(JSON.stringify(json)));

  test('gunzips and parses a record; messages lose the stored escape (empty lines come back empty)', () => {
    const events = [
      { id: 1, timestamp: 10, message: encodeMessage('') },
      { id: 2, timestamp: 11, message: encodeMessage('\u241Bkept') },
      { id: 3, timestamp: 12, message: 'plain' },
    ];
    const decoded = decodeSubscriptionRecord(gzipJson({ ...DATA, logEvents: events }));
    expect(decoded.malformed).toBeUndefined();
    expect(decoded.message).toMatchObject({
      messageType: 'DATA_MESSAGE',
      logEvents: [
        { id: '1', timestamp: 10, message: '' },
        { id: '2', timestamp: 11, message: '\u241Bkept' },
        { id: '3', timestamp: 12, message: 'plain' },
      ],
    });
  });

  test('a control message decodes as one', () => {
    expect(decodeSubscriptionRecord(gzipJson(CONTROL))).toEqual({ message: { messageType: 'CONTROL_MESSAGE' } });
  });

  test.each<[string, Uint8Array, string]>([
    ['not gzip', Buffer.from(JSON.stringify(DATA)), 'not gzip data'],
    ['empty', new Uint8Array(), 'not gzip data'],
    ['gzip cut short', gzipJson(DATA).subarray(0, 20), 'not gzip data'],
    ['gzip of something else', gzipSync(Buffer.from('hello')), 'not JSON'],
    ['gzip of a wrong message', gzipJson({ ...DATA, logStream: 3 }), 'logStream must be a non-empty string'],
  ])('%s: returned malformed, never thrown', (_what, data, reason) => {
    const decoded = decodeSubscriptionRecord(data);
    expect(decoded.message).toBeUndefined();
    expect(decoded.malformed).toContain(reason);
  });
});
