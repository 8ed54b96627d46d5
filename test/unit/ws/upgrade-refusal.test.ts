import { Duplex } from 'node:stream';
import pino from 'pino';
import { RequestRefusedError } from '../../../src/domain';
import { DependencyError } from '../../../src/ports';
import { refuseUpgrade } from '../../../src/ws/upgrade-refusal';

// A refused WebSocket upgrade is answered through the same mapping as REST (src/contract's toWireError): the
// catalogue's status and code, and for a throttled dependency 429 THROTTLED with Retry-After.

/** A socket that records what the server writes to it. */
function recordingSocket(): { socket: Duplex; written: () => string; finished: Promise<void> } {
  const chunks: Buffer[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const socket = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, done) => {
      chunks.push(chunk);
      done();
    },
    final: (done) => {
      finish();
      done();
    },
  });
  return { socket, written: () => Buffer.concat(chunks).toString('utf8'), finished };
}

async function refusal(error: unknown): Promise<{ head: string; body: unknown }> {
  const { socket, written, finished } = recordingSocket();
  refuseUpgrade(socket, error, pino({ level: 'silent' }), { address: '127.0.0.1' });
  await finished;
  const [head = '', body = ''] = written().split('\r\n\r\n');
  return { head, body: JSON.parse(body) as unknown };
}

describe('refuseUpgrade', () => {
  test('a refusal answers with the catalogue status of its code and the JSON error body', async () => {
    const { head, body } = await refusal(new RequestRefusedError('TOO_MANY_SOCKETS', 'at most 2 sockets per address'));
    expect(head).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(head).not.toMatch(/Retry-After/i);
    expect(body).toEqual({ error: { code: 'TOO_MANY_SOCKETS', message: 'at most 2 sockets per address' } });
  });

  test('a throttled dependency is 429 THROTTLED with Retry-After, as on REST', async () => {
    const throttled = new DependencyError('dynamodb', 'GetItem', new Error('Rate exceeded'), true, { throttled: true });
    const { head, body } = await refusal(throttled);
    expect(head).toMatch(/^HTTP\/1\.1 429 /);
    expect(head).toMatch(/\r\nRetry-After: 1(\r\n|$)/);
    expect(body).toMatchObject({ error: { code: 'THROTTLED' } });
  });

  test('an unavailable dependency stays 503 with its code; anything unknown is a 500 without internals', async () => {
    const down = await refusal(new DependencyError('dynamodb', 'GetItem', new Error('socket hang up')));
    expect(down.head).toMatch(/^HTTP\/1\.1 503 /);
    expect(down.body).toMatchObject({ error: { code: 'DYNAMODB_UNAVAILABLE' } });
    const unknown = await refusal(new Error('secret detail'));
    expect(unknown.head).toMatch(/^HTTP\/1\.1 500 /);
    expect(unknown.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
});
