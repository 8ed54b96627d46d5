import { PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogSource } from '../../../../src/adapters/cloudwatch/cloudwatch-log-source';
import { decodeMessage, MESSAGE_ESCAPE } from '../../../../src/domain';
import { fakeCloudWatchClient, InMemoryLogSource, MAX_PUT_MESSAGE_BYTES } from '../../../support/fakes';

const GROUP = 'g';
const STREAM = 's';

async function setup(options: ConstructorParameters<typeof InMemoryLogSource>[0] = {}) {
  const model = new InMemoryLogSource(options);
  await model.createStream(GROUP, STREAM);
  const client = fakeCloudWatchClient(model);
  const adapter = new CloudWatchLogSource({ client });
  /** One raw PutLogEvents call, as any SDK user could send it (the JavaScript SDK validates nothing). */
  const send = (logEvents: { timestamp: number; message: string }[]) =>
    client.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents }));
  return { model, adapter, send };
}

async function refusal(promise: Promise<unknown>): Promise<{ name?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name?: string };
  }
  throw new Error('expected PutLogEvents to be refused');
}

const at = (message: string, timestamp = 1000) => ({ timestamp, message });

describe('PutLogEvents, as strict as CloudWatch (the fake model, checked with its own limits)', () => {
  test('an empty message refuses the whole call: nothing of it is stored', async () => {
    const { model, send } = await setup();
    const error = await refusal(send([at('before'), at(''), at('after')]));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain("'logEvents.2.member.message'");
    expect(model.events(GROUP, STREAM)).toEqual([]);
  });

  test('event, batch, count, order and span limits', async () => {
    const { model, send } = await setup();
    await send([at('x'.repeat(MAX_PUT_MESSAGE_BYTES))]);
    expect((await refusal(send([at('x'.repeat(MAX_PUT_MESSAGE_BYTES + 1))]))).name).toBe('InvalidParameterException');
    expect(MAX_PUT_MESSAGE_BYTES + 26).toBe(262_144);
    // 1,048,576 bytes exactly (messages plus 26 bytes per event), then one byte more; no event too large.
    const batch = (last: number) => [...Array.from({ length: 4 }, () => at('y'.repeat(262_000))), at('w'.repeat(last))];
    await send(batch(446));
    expect((await refusal(send(batch(447)))).message).toMatch(/1048577 bytes/);
    await send(Array.from({ length: 10_000 }, () => at('z')));
    expect((await refusal(send(Array.from({ length: 10_001 }, () => at('z'))))).name).toBe('InvalidParameterException');
    expect((await refusal(send([at('late', 2), at('early', 1)]))).name).toBe('InvalidParameterException');
    expect((await refusal(send([at('a', 0), at('b', 24 * 3600_000 + 1)]))).name).toBe('InvalidParameterException');
    expect((await refusal(send([]))).name).toBe('InvalidParameterException');
    expect(model.events(GROUP, STREAM)).toHaveLength(1 + 5 + 10_000);
  });
});

describe('CloudWatchLogSource.putEvents', () => {
  test('stores blank lines and escape-led lines encoded, and reads them back as printed', async () => {
    const { model, adapter } = await setup();
    const lines = ['', ' ', MESSAGE_ESCAPE, `${MESSAGE_ESCAPE}${MESSAGE_ESCAPE}y`, 'x', ''];
    await adapter.putEvents(
      GROUP,
      STREAM,
      lines.map((message) => at(message)),
    );
    expect(model.events(GROUP, STREAM).map((e) => e.message)).toEqual([
      MESSAGE_ESCAPE,
      ' ',
      `${MESSAGE_ESCAPE}${MESSAGE_ESCAPE}`,
      `${MESSAGE_ESCAPE}${MESSAGE_ESCAPE}${MESSAGE_ESCAPE}y`,
      'x',
      MESSAGE_ESCAPE,
    ]);
    const read = await adapter.readAfter({ logGroup: GROUP, logStreams: [STREAM] }, { streams: {} }, 100);
    expect(read.events.map((e) => e.message)).toEqual(lines.slice(0, read.events.length));
    expect(model.events(GROUP, STREAM).map((e) => decodeMessage(e.message))).toEqual(lines);
  });

  test('splits by the encoded size: lines that fit one call raw but not once escaped take two', async () => {
    const { model, adapter } = await setup();
    // 10,000 lines of 78 bytes: 1,040,000 bytes raw with the 26 each, 1,070,000 once escaped.
    const line = MESSAGE_ESCAPE + 'x'.repeat(75);
    await adapter.putEvents(
      GROUP,
      STREAM,
      Array.from({ length: 10_000 }, () => at(line)),
    );
    expect(model.putBatches).toHaveLength(2);
    expect(model.events(GROUP, STREAM)).toHaveLength(10_000);
  });

  test('reports the events CloudWatch did not store (rejectedLogEventsInfo), by their place in the call', async () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    const { model, adapter } = await setup({ now: () => now, rejectOutOfRangeTimestamps: true });
    const day = 86_400_000;
    const outcome = await adapter.putEvents(GROUP, STREAM, [
      at('old', now - 15 * day),
      at('ok', now),
      at('new', now + 3 * 3600_000),
    ]);
    // The span over 24 h makes the adapter split: indexes are still those of the events given.
    expect(outcome).toEqual({
      rejected: [
        { index: 0, reason: 'tooOld' },
        { index: 2, reason: 'tooNew' },
      ],
    });
    expect(model.events(GROUP, STREAM).map((e) => e.message)).toEqual(['ok']);
  });
});
