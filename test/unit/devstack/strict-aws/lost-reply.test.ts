// A lost reply: the call takes effect in the emulator, and the caller gets a 500 or a reset connection instead.
import { parseFaultSpec } from '../../../../src/devstack/strict-aws/faults';
import type { HttpAnswer } from '../../../../src/devstack/strict-aws/http-answer';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';

function setup(random = 0) {
  const layer = new StrictAwsLayer({ random: () => random, sleep: async () => undefined });
  const received: string[] = [];
  const call = (service: 'logs' | 'dynamodb' | 'kinesis', operation: string, input: Record<string, unknown>) =>
    layer.call(service, operation, Buffer.from(JSON.stringify(input)), async (): Promise<HttpAnswer> => {
      received.push(operation);
      return { status: 200, headers: {}, body: Buffer.from('{}') };
    });
  return { layer, call, received };
}

const EVENTS = { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'm' }] };

describe('lost-reply faults', () => {
  test('the emulator gets the call, the caller a 500 InternalFailure', async () => {
    const { layer, call, received } = setup();
    layer.addFault(parseFaultSpec({ service: 'logs', kind: 'lost-reply', operations: ['PutLogEvents'] }));
    const answer = await call('logs', 'PutLogEvents', EVENTS);
    expect(received).toEqual(['PutLogEvents']);
    expect(answer.status).toBe(500);
    expect(answer.headers['x-amzn-errortype']).toBe('InternalFailure');
    expect(answer.reset).toBeUndefined();
    expect(layer.stats.of('logs', 'PutLogEvents')).toMatchObject({ calls: 1, faulted: 1 });
  });

  test('reset: true resets the connection instead; other operations are untouched', async () => {
    const { layer, call, received } = setup();
    layer.addFault(
      parseFaultSpec({ service: 'dynamodb', kind: 'lost-reply', reset: true, operations: ['TransactWriteItems'] }),
    );
    expect((await call('dynamodb', 'TransactWriteItems', { TransactItems: [] })).reset).toBe(true);
    expect((await call('dynamodb', 'GetItem', { TableName: 't', Key: {} })).status).toBe(200);
    expect(received).toEqual(['TransactWriteItems', 'GetItem']);
  });

  test('fraction: only that share of calls loses its reply', async () => {
    const lucky = setup(0.9);
    lucky.layer.addFault(parseFaultSpec({ service: 'kinesis', kind: 'lost-reply', fraction: 0.5 }));
    expect((await lucky.call('kinesis', 'GetRecords', {})).status).not.toBe(500);
    const unlucky = setup(0.1);
    unlucky.layer.addFault(parseFaultSpec({ service: 'kinesis', kind: 'lost-reply', fraction: 0.5, seconds: 10 }));
    expect((await unlucky.call('kinesis', 'GetRecords', {})).status).toBe(500);
  });

  test('reset applies to lost-reply only', () => {
    expect(() => parseFaultSpec({ service: 'logs', kind: 'outage', reset: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_STRICT_FAULT', message: expect.stringMatching(/lost-reply only/) }),
    );
  });
});
